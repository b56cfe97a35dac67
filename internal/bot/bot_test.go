package bot

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/turn"
)

// TestBot drives the bot through the Discord emulator, with the real MCP
// server and a local chat endpoint: a whole session, then what goes wrong.
func TestBot(t *testing.T) {
	h := startBot(t, func(c *Config) { c.HealthAddr = "127.0.0.1:0" }, nil)

	t.Run("identifies with the needed intents and registers the commands in the guild", func(t *testing.T) {
		ids := h.discord.Identifies()
		if len(ids) != 1 {
			t.Fatalf("%d identifies, want 1", len(ids))
		}
		// No privileged intent: the emulator, like Discord, refuses one the
		// portal has not turned on, and mentions and DMs carry their content
		// without Message Content.
		want := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
		if ids[0].Intents != want {
			t.Errorf("intents %b, want %b", ids[0].Intents, want)
		}
		var names []string
		for _, c := range h.discord.Commands(h.guild) {
			names = append(names, c.Name)
			if c.Contexts != nil {
				t.Errorf("guild command %s has contexts (a field of global commands)", c.Name)
			}
		}
		slices.Sort(names)
		wantNames := []string{"character", "forget-me", "persona", "recall", "relationship", "remember", "status", "talk", "timeline"}
		if !slices.Equal(names, wantNames) {
			t.Errorf("guild commands %v, want %v", names, wantNames)
		}
		// Global ones too, for DMs with the bot only: no guild command
		// reaches a DM, and in servers the guild's serve.
		global := h.discord.Commands("")
		if len(global) != len(wantNames) {
			t.Errorf("%d global commands, want %d for DMs", len(global), len(wantNames))
		}
		for _, c := range global {
			if c.Contexts == nil || !slices.Equal(*c.Contexts, []discordgo.InteractionContextType{discordgo.InteractionContextBotDM}) {
				t.Errorf("global command %s: contexts %v, want the bot's DMs only", c.Name, c.Contexts)
			}
		}
	})

	t.Run("talk before any character exists", func(t *testing.T) {
		wantError(t, h.slash(t, "talk", map[string]any{"message": "hello?"}), "There are no characters yet")
	})

	t.Run("create characters", func(t *testing.T) {
		text := wantPublic(t, h.slash(t, "character create", map[string]any{
			"name": "Aria", "personality": "curious and warm", "goals": "find the lost library; learn magic",
		}))
		if !strings.Contains(text, "created **Aria**") {
			t.Errorf("answer %q, want the creation announced", text)
		}
		h.slash(t, "character create", map[string]any{"name": "Borin", "personality": "grumpy dwarf"})
		wantError(t, h.slash(t, "character create", map[string]any{"name": "Aria"}), `A character called "Aria" already exists`)
		p := h.profile(t, "Aria")
		if !slices.Equal(p.Character.Goals, []string{"find the lost library", "learn magic"}) {
			t.Errorf("goals %q, want the two goals split at the semicolon", p.Character.Goals)
		}
	})

	t.Run("list and info", func(t *testing.T) {
		text := wantEphemeral(t, h.slash(t, "character list", nil))
		if !strings.Contains(text, "**Aria**") || !strings.Contains(text, "**Borin**") {
			t.Errorf("list %q, want both characters", text)
		}
		text = wantEphemeral(t, h.slash(t, "character info", map[string]any{"name": "Aria"}))
		for _, want := range []string{"**Aria**", "curious and warm", "find the lost library; learn magic", "energy 100/100"} {
			if !strings.Contains(text, want) {
				t.Errorf("info %q, want %q in it", text, want)
			}
		}
	})

	t.Run("talk with two characters and none chosen", func(t *testing.T) {
		wantError(t, h.slash(t, "talk", map[string]any{"message": "hello?"}), "No character is active in this channel")
	})

	t.Run("use an unknown character", func(t *testing.T) {
		wantError(t, h.slash(t, "character use", map[string]any{"name": "Nobody"}), `No character is called "Nobody"`)
		wantError(t, h.slash(t, "character info", map[string]any{"name": "Nobody"}), `No character is called "Nobody"`)
	})

	t.Run("use a character", func(t *testing.T) {
		text := wantPublic(t, h.slash(t, "character use", map[string]any{"name": "aria"}))
		if !strings.Contains(text, "**Aria** now answers in this channel") {
			t.Errorf("answer %q, want Aria active", text)
		}
		if text := wantEphemeral(t, h.slash(t, "character list", nil)); !strings.Contains(text, "**Aria** *(active here)*") {
			t.Errorf("list %q, want Aria marked active", text)
		}
		events := h.story(t)
		if len(events) != 1 || events[0].Type != turn.EventCharacterIntro {
			t.Errorf("timeline %+v, want Aria's entrance", events)
		}
	})

	t.Run("talk uses a memory stored earlier", func(t *testing.T) {
		text := wantEphemeral(t, h.slash(t, "remember", map[string]any{"text": "My sister Mia is a pilot."}))
		if !strings.Contains(text, "Aria will remember: My sister Mia is a pilot.") {
			t.Errorf("answer %q", text)
		}
		h.llm.setAnswer(echoMemories)
		st := h.slash(t, "talk", map[string]any{"message": "What do you know about my sister?"})
		if st.Callbacks[0] != discordgo.InteractionResponseDeferredChannelMessageWithSource {
			t.Errorf("first callback %v, want a deferred response", st.Callbacks[0])
		}
		text = wantPublic(t, st)
		for _, want := range []string{"> **Sam:** What do you know about my sister?", "**Aria:** I remember this:", "Sam said: \"My sister Mia is a pilot.\""} {
			if !strings.Contains(text, want) {
				t.Errorf("reply %q, want %q in it", text, want)
			}
		}
		req := h.llm.lastRequest(t)
		if req.Model != "test-model" || len(req.Messages) != 2 || req.Messages[1].Content != "What do you know about my sister?" {
			t.Errorf("chat request %+v, want the system prompt and the message", req)
		}
		if !strings.Contains(req.Messages[0].Content, "You are Aria") || !strings.Contains(req.Messages[0].Content, "Sam (user ID "+h.user.ID+")") {
			t.Errorf("system prompt %q, want the persona and who is talking", req.Messages[0].Content)
		}
	})

	t.Run("the turn is logged and feeds the next context", func(t *testing.T) {
		rc := h.context(t, "Aria")
		var roles []string
		for _, m := range rc.RecentMessages {
			roles = append(roles, m.Role)
		}
		if !slices.Equal(roles, []string{turn.RoleUser, turn.RoleAssistant}) || rc.RecentMessages[0].Content != "What do you know about my sister?" {
			t.Errorf("recent messages %+v, want the user's message and the reply", rc.RecentMessages)
		}
		if rc.Relationship == nil || len(rc.Relationship.History) != 1 {
			t.Errorf("relationship %+v, want the first meeting recorded", rc.Relationship)
		}
	})

	t.Run("recall", func(t *testing.T) {
		text := wantEphemeral(t, h.slash(t, "recall", map[string]any{"query": "sister"}))
		if !strings.Contains(text, "Mia is a pilot") {
			t.Errorf("recall %q, want the memory", text)
		}
		other := h.where()
		other.User = &discordgo.User{ID: h.discord.NewID(), Username: "kim"}
		text = wantEphemeral(t, h.interact(t, discordfake.SlashCommand(other, "recall", map[string]any{"query": "sister"})))
		if strings.Contains(text, "Mia") {
			t.Errorf("another user's recall %q shows Sam's memory", text)
		}
	})

	t.Run("kindness changes the relationship and the story", func(t *testing.T) {
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Aria: You are welcome!", 0 })
		text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "*bows* Thank you, you're amazing! My name is Sam."}))
		if !strings.HasSuffix(text, "**Aria:** You are welcome!") {
			t.Errorf("reply %q, want the name prefix of the model removed", text)
		}
		text = wantEphemeral(t, h.slash(t, "relationship", nil))
		if !strings.Contains(text, "friendly (affinity +0.10)") || !strings.Contains(text, `Sam was kind ("thank you", "you're amazing")`) {
			t.Errorf("relationship %q, want a friendlier Aria and why", text)
		}
		text = wantEphemeral(t, h.slash(t, "timeline show", nil))
		for _, want := range []string{"Sam: *bows*", "Aria grows fonder of Sam", "Sam meets Aria for the first time"} {
			if !strings.Contains(text, want) {
				t.Errorf("timeline %q, want %q", text, want)
			}
		}
		mems := h.memoriesAbout(t, "Aria", "name")
		if !slices.ContainsFunc(mems, func(m turn.Memory) bool { return strings.Contains(m.Text, "My name is Sam") }) {
			t.Errorf("memories %+v, want the salient fact remembered", mems)
		}
	})

	t.Run("timeline add", func(t *testing.T) {
		text := wantPublic(t, h.slash(t, "timeline add", map[string]any{"description": "A storm breaks over the tower.", "type": "plot_point", "impact": 8}))
		if !strings.Contains(text, "(`plot_point`, impact 8): A storm breaks over the tower.") {
			t.Errorf("answer %q", text)
		}
	})

	t.Run("long replies are split at the message limit", func(t *testing.T) {
		paragraph := strings.Repeat("The wind howls through the old stones. ", 30) // ~1170 characters
		long := strings.TrimSpace(strings.Repeat(paragraph+"\n\n", 4))
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return long, 0 })
		st := h.interactUntil(t, discordfake.SlashCommand(h.where(), "talk", map[string]any{"message": "Tell me a long story."}),
			func(st discordfake.InteractionState) bool { return strings.Count(st.Text(), "howls") == 120 })
		vis := st.Visible()
		if len(vis) < 3 {
			t.Fatalf("%d messages (%.200q), want the ~4700 characters in at least 3", len(vis), st.Text())
		}
		for _, m := range vis {
			if n := utf16Len(m.Content); n > discordMessageLimit {
				t.Errorf("message of %d characters", n)
			}
			if m.Content != strings.TrimSpace(m.Content) || strings.HasPrefix(m.Content, "stones") {
				t.Errorf("message %q is not cut at a boundary", m.Content[:40])
			}
		}
	})

	t.Run("mentions are answered and sanitized", func(t *testing.T) {
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Hey @everyone and <@&123>, look!", 0 })
		m := h.discord.UserMessage(h.where(), "hi there", true)
		if err := h.discord.SendMessage(m); err != nil {
			t.Fatal(err)
		}
		got := waitMessages(t, h, h.channel, 1)
		if got[0].ReplyTo != m.ID {
			t.Errorf("reply to %q, want %q", got[0].ReplyTo, m.ID)
		}
		if want := "**Aria:** Hey @\u200beveryone and <@\u200b&123>, look!"; got[0].Content != want {
			t.Errorf("reply %q, want %q", got[0].Content, want)
		}
		checkNoMentions(t, got[0])
		if req := h.llm.lastRequest(t); req.Messages[1].Content != "hi there" {
			t.Errorf("message to the model %q, want the mention removed", req.Messages[1].Content)
		}
		// Messages that do not mention the bot, and the bot's own, are ignored.
		if err := h.discord.SendMessage(h.discord.UserMessage(h.where(), "just chatting", false)); err != nil {
			t.Fatal(err)
		}
		self := h.discord.UserMessage(h.where(), "echo", true)
		self.Author = &discordgo.User{ID: h.discord.BotUserID, Bot: true}
		if err := h.discord.SendMessage(self); err != nil {
			t.Fatal(err)
		}
		// A later mention is answered; nothing came in between.
		if err := h.discord.SendMessage(h.discord.UserMessage(h.where(), "again", true)); err != nil {
			t.Fatal(err)
		}
		if got := waitMessages(t, h, h.channel, 2); got[1].ReplyTo == "" || len(got) != 2 {
			t.Errorf("messages %+v, want exactly the two replies", got)
		}
	})

	t.Run("direct messages need no mention", func(t *testing.T) {
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "A private hello.", 0 })
		dm := discordfake.Where{ChannelID: h.discord.NewID(), User: h.user}
		// The only way to have an active character in a DM is to choose one there.
		h.interact(t, discordfake.SlashCommand(dm, "character use", map[string]any{"name": "Borin"}))
		if err := h.discord.SendMessage(h.discord.UserMessage(dm, "psst", false)); err != nil {
			t.Fatal(err)
		}
		if got := waitMessages(t, h, dm.ChannelID, 1); got[0].Content != "**Borin:** A private hello." {
			t.Errorf("DM reply %q", got[0].Content)
		}
	})

	t.Run("empty and over-long messages", func(t *testing.T) {
		st := h.slash(t, "talk", map[string]any{"message": "   "})
		wantError(t, st, "`message` must not be empty.")
		if st.Callbacks[0] != discordgo.InteractionResponseChannelMessageWithSource {
			t.Errorf("callback %v: bad input must be answered at once", st.Callbacks[0])
		}
		wantError(t, h.slash(t, "talk", map[string]any{"message": strings.Repeat("é", maxMessageLength+1)}),
			"`message` is too long: at most 1500 characters, got 1501.")
		wantError(t, h.slash(t, "remember", map[string]any{}), "`text` must not be empty.")
		wantError(t, h.slash(t, "talk", map[string]any{"message": "hi", "mood": "x"}), "Unknown option `mood` for `/talk`")
		wantError(t, h.slash(t, "dance", nil), "Unknown command `/dance`")
		wantError(t, h.slash(t, "timeline show", map[string]any{"limit": "ten"}), "`limit` must be a whole number.")
		wantError(t, h.slash(t, "timeline show", map[string]any{"limit": 2.5}), "`limit` must be a whole number.")
		wantError(t, h.slash(t, "timeline add", map[string]any{"description": "x", "impact": 11}), "`impact` must be from 0 to 10, got 11.")
		wantError(t, h.slash(t, "remember", map[string]any{"text": 42}), "`text` must be text.")
		// Mentions have the same caps.
		if err := h.discord.SendMessage(h.discord.UserMessage(h.where(), strings.Repeat("a", maxMessageLength+1), true)); err != nil {
			t.Fatal(err)
		}
		got := waitMessages(t, h, h.channel, 3)
		if !strings.Contains(got[2].Content, "Your message is too long") {
			t.Errorf("reply %q, want the length error", got[2].Content)
		}
	})

	t.Run("a mention deleted before the reply is still answered", func(t *testing.T) {
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Oh, it's gone.", 300 * time.Millisecond })
		before := len(h.discord.ChannelMessages(h.channel))
		m := h.discord.UserMessage(h.where(), "never mind", true)
		if err := h.discord.SendMessage(m); err != nil {
			t.Fatal(err)
		}
		h.discord.DeleteUserMessage(m.ID)
		got := waitMessages(t, h, h.channel, before+1)[before]
		if got.ReplyTo != "" || !strings.Contains(got.Content, "Oh, it's gone.") {
			t.Errorf("message %+v, want the reply sent without a reference", got)
		}
	})

	t.Run("the language model timing out", func(t *testing.T) {
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "too late", 3 * time.Second })
		st := h.slash(t, "talk", map[string]any{"message": "Are you there?"})
		wantError(t, st, "The language model did not answer within 1s; try again.")
		if st.Original == nil || !st.Original.Deleted {
			t.Errorf("original %+v, want the deferred public response deleted", st.Original)
		}
	})

	t.Run("a deleted character", func(t *testing.T) {
		h.slash(t, "character create", map[string]any{"name": "Ghost"})
		h.slash(t, "character use", map[string]any{"name": "Ghost"})
		_, err := turn.Call[struct{}](t.Context(), h.client, "delete_character", map[string]string{"character": "Ghost"})
		fatalIf(t, err)
		wantError(t, h.slash(t, "talk", map[string]any{"message": "boo"}), "Ghost no longer exists on the character server")
		h.slash(t, "character use", map[string]any{"name": "Aria"})
	})

	t.Run("the MCP server down, then back", func(t *testing.T) {
		h.mcp.stop()
		wantError(t, h.slash(t, "talk", map[string]any{"message": "hello?"}), "The character server (MCP) cannot be reached")
		wantError(t, h.slash(t, "character list", nil), "The character server (MCP) cannot be reached")
		code, body := h.get(t, "/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "mcp-server unavailable") {
			t.Errorf("readyz %d %s, want 503 naming the MCP server", code, body)
		}
		h.mcp.restart(t)
		h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "I'm back.", 0 })
		if text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "hello?"})); !strings.Contains(text, "**Aria:** I'm back.") {
			t.Errorf("reply %q after the server came back", text)
		}
	})

	t.Run("status", func(t *testing.T) {
		text := wantEphemeral(t, h.slash(t, "status", nil))
		for _, want := range []string{"✅ **Discord gateway:** connected", "✅ **mcp-server:** 2 characters", "✅ **llm:** model test-model",
			"**Rate limits:** off per user, off per channel (in-memory)"} {
			if !strings.Contains(text, want) {
				t.Errorf("status %q, want %q", text, want)
			}
		}
	})

	t.Run("forget me", func(t *testing.T) {
		st := h.slash(t, "forget-me", nil)
		wantEphemeral(t, st)
		if !slices.Equal(st.Original.CustomIDs, []string{forgetConfirmID, forgetCancelID}) {
			t.Fatalf("buttons %v, want confirm and cancel", st.Original.CustomIDs)
		}
		if text := h.interact(t, discordfake.ButtonClick(h.where(), forgetCancelID)).Text(); text != "Nothing was deleted." {
			t.Errorf("cancel: %q", text)
		}
		if len(h.memoriesAbout(t, "Aria", "sister")) == 0 {
			t.Fatal("cancelling deleted the memories")
		}
		click := h.interact(t, discordfake.ButtonClick(h.where(), forgetConfirmID))
		if !strings.Contains(click.Text(), "Done: 2 memories about you") || len(click.Original.CustomIDs) != 0 {
			t.Errorf("confirm: %+v, want the deletion reported and the buttons gone", click.Original)
		}
		if mems := h.memoriesAbout(t, "Aria", "sister"); len(mems) != 0 {
			t.Errorf("memories left after forget-me: %+v", mems)
		}
		rc := h.context(t, "Aria")
		for _, m := range rc.RecentMessages {
			if m.UserID == h.user.ID {
				t.Errorf("message left after forget-me: %+v", m)
			}
		}
		if len(rc.Relationship.History) != 0 {
			t.Errorf("relationship left after forget-me: %+v", rc.Relationship)
		}
	})

	t.Run("health endpoints and metrics", func(t *testing.T) {
		addr, err := h.bot.HealthAddr(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		code, body := httpGet(t, "http://"+addr+"/healthz")
		if code != http.StatusOK || !strings.Contains(body, `"connected":true`) {
			t.Errorf("healthz %d %s", code, body)
		}
		code, body = httpGet(t, "http://"+addr+"/readyz")
		if code != http.StatusOK {
			t.Errorf("readyz %d %s", code, body)
		}
		_, body = httpGet(t, "http://"+addr+"/metrics")
		for _, want := range []string{
			`charsim_bot_messages_handled_total{source="slash"}`, `charsim_bot_messages_handled_total{source="mention"}`,
			`charsim_bot_llm_request_duration_seconds_count{outcome="ok"}`, `charsim_bot_llm_request_duration_seconds_count{outcome="timeout"} 2`,
			`charsim_bot_errors_total{kind="mcp_unavailable"} 2`, `charsim_bot_errors_total{kind="user"}`,
			`charsim_bot_gateway_connected 1`, `charsim_bot_commands_total{command="talk"}`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})

}

// TestRequestTimeout: work that outlives the request deadline is stopped,
// and the user is still told.
func TestRequestTimeout(t *testing.T) {
	h := startBot(t, nil, func(b *Bot) { b.requestTimeout = 300 * time.Millisecond })
	h.slash(t, "character create", map[string]any{"name": "Aria"})
	h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "late", 800 * time.Millisecond })
	wantError(t, h.slash(t, "talk", map[string]any{"message": "hello?"}), "That took too long and was stopped; try again.")
	if err := h.discord.SendMessage(h.discord.UserMessage(h.where(), "hello?", true)); err != nil {
		t.Fatal(err)
	}
	if got := waitMessages(t, h, h.channel, 1); !strings.Contains(got[0].Content, "That took too long") {
		t.Errorf("mention reply %q, want the timeout explained", got[0].Content)
	}
}

// TestTypingLastsTheTurn: the typing indicator, which Discord shows for
// 10 s per request, is renewed until a slow mention reply is posted.
func TestTypingLastsTheTurn(t *testing.T) {
	const every = 100 * time.Millisecond // the bot's renewal here; 8 s against Discord
	h := startBot(t, nil, func(b *Bot) { b.typingEvery = every })
	h.slash(t, "character create", map[string]any{"name": "Aria"})
	h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Let me think… yes.", 8 * every })
	if err := h.discord.SendMessage(h.discord.UserMessage(h.where(), "a hard question", true)); err != nil {
		t.Fatal(err)
	}
	reply := waitMessages(t, h, h.channel, 1)[0]
	typing := h.discord.Typing(h.channel)
	if len(typing) == 0 {
		t.Fatal("no typing indicator")
	}
	// The indicator would have gone out where two renewals (or the last
	// one and the reply) are further apart than it lasts; scaled, that is
	// 10/8 of the renewal period, plus slack for a busy machine.
	lasts := every*discordfake.TypingIndicatorLasts/typingRenewal + 100*time.Millisecond
	for i, at := range append(typing[1:], reply.Sent) {
		if gap := at.Sub(typing[i]); gap > lasts {
			t.Errorf("%d typing requests %v: a gap of %s after request %d, longer than the indicator lasts (%s)", len(typing), typing, gap, i+1, lasts)
			break
		}
	}
	time.Sleep(3 * every)
	if n := len(h.discord.Typing(h.channel)); n != len(typing) {
		t.Errorf("%d typing requests after the reply, want none", n-len(typing))
	}
}

// TestGatewayReconnect cuts the gateway connection and keeps it refused:
// /healthz and /readyz fail, and when the gateway is back the bot resumes
// its session by itself and answers again.
func TestGatewayReconnect(t *testing.T) {
	h := startBot(t, nil, func(b *Bot) { b.gatewayGrace = 0 })
	h.slash(t, "character create", map[string]any{"name": "Aria"})

	h.discord.RefuseGateway(true)
	h.discord.DropGateway()
	waitFor(t, 10*time.Second, "the bot to notice the disconnection", func() bool {
		code, _ := h.get(t, "/healthz")
		return code == http.StatusServiceUnavailable
	})
	if code, body := h.get(t, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "gateway not connected") {
		t.Errorf("readyz %d %s while disconnected", code, body)
	}
	h.discord.RefuseGateway(false)
	waitFor(t, 20*time.Second, "the bot to reconnect", func() bool {
		code, _ := h.get(t, "/healthz")
		return code == http.StatusOK
	})
	if h.discord.Resumes() != 1 {
		t.Errorf("%d resumes, want the session resumed once", h.discord.Resumes())
	}
	h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Still here.", 0 })
	if text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "still there?"})); !strings.Contains(text, "Still here.") {
		t.Errorf("reply %q after reconnecting", text)
	}
}

func waitMessages(t *testing.T, h *harness, channelID string, n int) []discordfake.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	got, err := h.discord.WaitChannelMessages(ctx, channelID, n)
	if err != nil {
		t.Fatalf("waiting for %d messages in channel %s, got %+v: %v", n, channelID, got, err)
	}
	return got
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

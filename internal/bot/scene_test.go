package bot

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/turn"
)

// whoAmI answers as the character the system prompt says the model plays,
// so a test sees which character's turn each reply was.
func whoAmI(r chatRequest) (string, time.Duration) {
	m := regexp.MustCompile(`You are ([^,]+),`).FindStringSubmatch(r.Messages[0].Content)
	if m == nil {
		return "I do not know who I am.", 0
	}
	return "I am " + m[1] + ".", 0
}

// Cards of the scene tests: Aria with one greeting, Borin (nicknamed Bo)
// with three.
const (
	ariaCard = `{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Aria","description":"A bard.",
		"personality":"cheerful","first_mes":"Hello {{user}}, I am {{char}}.","mes_example":"","scenario":""}}`
	borinCard = `{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"Borin","nickname":"Bo","description":"A smith.",
		"personality":"gruff","first_mes":"{{char}} nods at <USER>.","alternate_greetings":["{{char}} grunts.","{{char}} waves at {{user}}."],
		"mes_example":"","scenario":"","group_only_greetings":[]}}`
)

func (h *harness) importCard(t *testing.T, cardJSON string) turn.Character {
	t.Helper()
	out, err := turn.Call[importedCard](t.Context(), h.client, "import_character_card", map[string]any{"content": cardJSON})
	fatalIf(t, err)
	return out.Character
}

// ownWebhooks are the channel's webhooks made by the bot's application.
func (h *harness) ownWebhooks(channelID string) []discordfake.Webhook {
	return slices.DeleteFunc(h.discord.Webhooks(channelID), func(w discordfake.Webhook) bool { return w.ApplicationID != h.discord.AppID })
}

func (h *harness) mention(t *testing.T, text string) *discordgo.Message {
	t.Helper()
	m := h.discord.UserMessage(h.where(), text, true)
	if err := h.discord.SendMessage(m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSceneSpeaksThroughOneWebhook(t *testing.T) {
	const avatars = "https://charsim.example.com"
	h := startBot(t, func(c *Config) { c.AvatarBaseURL = avatars }, nil)
	h.llm.setAnswer(whoAmI)
	h.discord.SetManageWebhooks(true)
	// A webhook a member made is not the bot's: it is neither reused nor removed.
	h.discord.AddUserWebhook(h.channel, "Announcements")
	aria, borin := h.importCard(t, ariaCard), h.importCard(t, borinCard)

	// One character: as before, the bot itself answers, and the greeting
	// comes with the announcement.
	text := wantPublic(t, h.slash(t, "character use", map[string]any{"name": "aria"}))
	if !strings.Contains(text, "🎭 **Aria** now answers") || !strings.Contains(text, "**Aria:** Hello Sam, I am Aria.") {
		t.Errorf("use: %q, want the announcement and Aria's greeting with the macros replaced", text)
	}
	if rc := h.context(t, aria.ID); len(rc.RecentMessages) != 1 || rc.RecentMessages[0].Content != "Hello Sam, I am Aria." {
		t.Errorf("conversation after the greeting: %+v, want the greeting logged", rc.RecentMessages)
	}

	// A second character joins: its greeting comes through the webhook.
	text = wantPublic(t, h.slash(t, "character join", map[string]any{"name": "Borin"}))
	if !strings.Contains(text, "**Borin** joins the scene: **Aria**, **Borin**") {
		t.Errorf("join: %q", text)
	}
	got := waitMessages(t, h, h.channel, 1)
	if g := got[0]; g.WebhookID == "" || g.Username != "Borin" || g.AvatarURL != avatars+"/avatars/"+borin.ID+".png" ||
		!slices.Contains([]string{"Bo nods at Sam.", "Bo grunts.", "Bo waves at Sam."}, g.Content) {
		t.Errorf("greeting %+v, want one of Borin's greetings ({{char}} = Bo) through the webhook", g)
	}
	checkNoMentions(t, got[0])

	// Both named: each replies, in the order named, under its own name
	// and avatar, through the same single webhook.
	h.mention(t, "Bo and aria, what do you think?")
	got = waitMessages(t, h, h.channel, 3)
	bo, ar := got[1], got[2]
	// The server's prompt may call Borin by his nickname.
	if bo.Username != "Borin" || !strings.HasPrefix(bo.Content, "I am Bo") || ar.Username != "Aria" || ar.Content != "I am Aria." {
		t.Fatalf("replies %q by %s, %q by %s: want Borin then Aria", bo.Content, bo.Username, ar.Content, ar.Username)
	}
	if ar.AvatarURL != avatars+"/avatars/"+aria.ID+".png" || bo.AvatarURL == ar.AvatarURL {
		t.Errorf("avatars %q and %q, want each character's own", bo.AvatarURL, ar.AvatarURL)
	}
	hooks := h.ownWebhooks(h.channel)
	if len(hooks) != 1 || bo.WebhookID != hooks[0].ID || ar.WebhookID != hooks[0].ID || got[0].WebhookID != hooks[0].ID {
		t.Fatalf("the bot's webhooks %+v; messages through %s, %s, %s: want one webhook for all", hooks, got[0].WebhookID, bo.WebhookID, ar.WebhookID)
	}
	if n := len(h.discord.Webhooks(h.channel)); n != 2 {
		t.Errorf("%d webhooks in the channel, want the member's and the bot's", n)
	}

	t.Run("loop guard", func(t *testing.T) {
		// The emulator delivered every webhook post back to the bot as
		// MESSAGE_CREATE; one that even mentions the bot is not answered.
		echo := h.discord.UserMessage(h.where(), "Aria, answer me", true)
		// Not flagged as a bot: the webhook ID alone must stop it.
		echo.WebhookID, echo.Author = hooks[0].ID, &discordgo.User{ID: hooks[0].ID, Username: "Borin"}
		if err := h.discord.SendMessage(echo); err != nil {
			t.Fatal(err)
		}
		h.mention(t, "hello") // no name: the lead answers
		got := waitMessages(t, h, h.channel, 4)
		time.Sleep(300 * time.Millisecond) // time to answer the echo too, if it were
		if got = h.discord.ChannelMessages(h.channel); len(got) != 4 || got[3].Username != "Aria" {
			t.Errorf("messages %+v, want only the lead's answer to the user", got[3:])
		}
	})

	t.Run("a deleted webhook is made again", func(t *testing.T) {
		h.discord.DeleteWebhook(hooks[0].ID)
		h.mention(t, "Borin?")
		got := waitMessages(t, h, h.channel, 5)[4]
		now := h.ownWebhooks(h.channel)
		if len(now) != 1 || now[0].ID == hooks[0].ID || got.WebhookID != now[0].ID || got.Username != "Borin" {
			t.Errorf("webhooks %+v, reply %+v: want Borin's reply through one new webhook", now, got)
		}
	})

	t.Run("talk to one character", func(t *testing.T) {
		text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "hi", "character": "bo"}))
		if !strings.Contains(text, "**Borin:** I am Bo") {
			t.Errorf("talk character:bo = %q", text)
		}
		wantError(t, h.slash(t, "talk", map[string]any{"message": "hi", "character": "Nobody"}), `No character is called "Nobody"`)
	})

	t.Run("leave", func(t *testing.T) {
		wantError(t, h.slash(t, "character join", map[string]any{"name": "Aria"}), "Aria is already in this channel's scene")
		if text := wantPublic(t, h.slash(t, "character leave", map[string]any{"name": "BORIN"})); !strings.Contains(text, "**Borin** leaves the scene; **Aria** remain") {
			t.Errorf("leave: %q", text)
		}
		wantError(t, h.slash(t, "character leave", map[string]any{"name": "Borin"}), `"Borin" is not in this channel's scene`)
		// One character left: the bot answers as itself again, as a reply.
		before := len(h.discord.ChannelMessages(h.channel))
		m := h.mention(t, "Borin, are you there?")
		got := waitMessages(t, h, h.channel, before+1)[before]
		if got.WebhookID != "" || got.ReplyTo != m.ID || got.Content != "**Aria:** I am Aria." {
			t.Errorf("reply %+v, want Aria's reply from the bot", got)
		}
	})
}

func TestSceneWithoutManageWebhooks(t *testing.T) {
	h := startBot(t, nil, nil)
	h.llm.setAnswer(whoAmI)
	for _, name := range []string{"Aria", "Borin"} {
		_, err := h.client.CreateCharacter(t.Context(), turn.NewCharacter{Name: name})
		fatalIf(t, err)
	}
	wantPublic(t, h.slash(t, "character use", map[string]any{"name": "Aria"}))
	wantPublic(t, h.slash(t, "character join", map[string]any{"name": "Borin"}))

	h.mention(t, "Aria, Borin: hello")
	got := waitMessages(t, h, h.channel, 2)
	for i, want := range []string{"**Aria**: I am Aria.", "**Borin**: I am Borin."} {
		if got[i].WebhookID != "" || got[i].Content != want {
			t.Errorf("message %d: %+v, want %q from the bot", i, got[i], want)
		}
		checkNoMentions(t, got[i])
	}
	if hooks := h.discord.Webhooks(h.channel); len(hooks) != 0 {
		t.Errorf("webhooks %+v, want none", hooks)
	}

	// The next slash command here tells its user, privately and once.
	st := h.slash(t, "character list", nil)
	ctx := t.Context()
	st, err := h.discord.WaitInteraction(ctx, st.ID, func(st discordfake.InteractionState) bool { return len(st.Followups) > 0 })
	if err != nil {
		t.Fatalf("no note: %+v", st)
	}
	if note := st.Followups[0]; !note.Ephemeral || !strings.Contains(note.Content, "**Manage Webhooks** permission") {
		t.Errorf("note %+v, want the ephemeral Manage Webhooks note", note)
	}
	if st := h.slash(t, "character list", nil); len(st.Followups) != 0 || strings.Contains(st.Text(), "Manage Webhooks") {
		t.Errorf("second command: %+v, want no note again", st)
	}
}

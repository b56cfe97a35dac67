package bot

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/testsvc"
	"github.com/mojin/charsim/internal/turn"
)

// TestCommandDefinitions checks what Discord would reject at registration
// and that every command path has a handler.
func TestCommandDefinitions(t *testing.T) {
	valid := regexp.MustCompile(`^[-_a-z0-9]{1,32}$`)
	defs := commandDefinitions()
	for _, d := range defs {
		if !valid.MatchString(d.Name) || len(d.Description) == 0 || len(d.Description) > 100 {
			t.Errorf("command %q: invalid name or description %q", d.Name, d.Description)
		}
		for _, o := range d.Options {
			for _, o := range append(o.Options, o) {
				if !valid.MatchString(o.Name) || len(o.Description) == 0 || len(o.Description) > 100 {
					t.Errorf("option %q of %q: invalid name or description %q", o.Name, d.Name, o.Description)
				}
			}
		}
	}
	b := &Bot{}
	var handled, defined []string
	for path := range b.commandHandlers() {
		handled = append(handled, path)
	}
	for path := range commandPaths(defs) {
		defined = append(defined, path)
	}
	slices.Sort(handled)
	slices.Sort(defined)
	if !slices.Equal(handled, defined) {
		t.Errorf("handlers %v, definitions %v: want the same paths", handled, defined)
	}
}

// TestGlobalRegistration registers the commands globally when no guild is
// configured, and --unregister removes them.
func TestGlobalRegistration(t *testing.T) {
	h := startBot(t, func(c *Config) { c.GuildIDs = nil }, nil)
	global := h.discord.Commands("")
	if len(global) != 9 {
		t.Fatalf("%d global commands, want 9", len(global))
	}
	for _, c := range global {
		if c.Contexts == nil || len(*c.Contexts) != 2 {
			t.Errorf("command %s: contexts %v, want servers and DMs with the bot", c.Name, c.Contexts)
		}
	}
	if err := h.bot.Unregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.discord.Commands("")); n != 0 {
		t.Errorf("%d global commands after unregistering, want 0", n)
	}
}

// TestUnregisterGuilds removes the commands from every configured guild,
// without connecting to the gateway.
func TestUnregisterGuilds(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	guilds := []string{discord.NewGuild(), discord.NewGuild()}
	cfg := Config{Token: testToken, GuildIDs: guilds, MCPServerURL: DefaultMCPServerURL}
	b, err := New(cfg, slog.New(slog.DiscardHandler), WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	appID, err := b.applicationID()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.register(t.Context(), appID); err != nil {
		t.Fatal(err)
	}
	for _, g := range guilds {
		if n := len(discord.Commands(g)); n != 9 {
			t.Fatalf("guild %s: %d commands, want 9", g, n)
		}
	}
	if n := len(discord.Commands("")); n != 9 {
		t.Fatalf("%d global commands for DMs, want 9", n)
	}
	if err := b.Unregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, g := range guilds {
		if n := len(discord.Commands(g)); n != 0 {
			t.Errorf("guild %s: %d commands after unregistering, want 0", g, n)
		}
	}
	if n := len(discord.Commands("")); n != 0 {
		t.Errorf("%d global (DM) commands after unregistering, want 0", n)
	}
	if len(discord.Identifies()) != 0 {
		t.Error("unregistering connected to the gateway")
	}
}

// TestRejectedToken: a wrong token stops the bot with an error that says
// what to do, without the token in it.
func TestRejectedToken(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	b, err := New(Config{Token: "wrong-token-value", MCPServerURL: DefaultMCPServerURL}, slog.New(slog.DiscardHandler),
		WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN was rejected by Discord (HTTP 401)") || strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("run: %v, want the rejection explained", err)
	}
}

// TestOfflineResponderThroughDiscord: without LLM_BASE_URL a turn is
// answered, labelled, from the persona and the memories.
func TestOfflineResponderThroughDiscord(t *testing.T) {
	h := startBot(t, func(c *Config) { c.LLM = turn.LLMConfig{} }, nil)
	h.slash(t, "character create", map[string]any{"name": "Aria", "personality": "curious"})
	h.slash(t, "remember", map[string]any{"text": "My sister Mia is a pilot."})
	text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "What about my sister?"}))
	for _, want := range []string{offlineLabel, "**Aria:** *Aria looks at Sam, neutral.* *(curious)*", `Sam said: "My sister Mia is a pilot."`} {
		if !strings.Contains(text, want) {
			t.Errorf("offline reply %q, want %q in it", text, want)
		}
	}
	rc := h.context(t, "Aria")
	if n := len(rc.RecentMessages); n != 2 || strings.Contains(rc.RecentMessages[1].Content, offlineLabel) {
		t.Errorf("logged %+v, want both messages, the reply without the label", rc.RecentMessages)
	}
	if text := wantEphemeral(t, h.slash(t, "status", nil)); !strings.Contains(text, "✅ **llm:** offline responder (LLM_BASE_URL not set)") {
		t.Errorf("status %q", text)
	}
}

// TestMCPBearerToken: the bot sends MCP_AUTH_TOKEN; a wrong token is
// reported as such, not as an outage.
func TestMCPBearerToken(t *testing.T) {
	h := startBot(t, func(c *Config) { c.MCPAuthToken = "mcp-token-right" }, nil)
	h.mcp.stop()
	h.mcp.token = "mcp-token-right"
	h.mcp.start(t, h.mcp.addr)
	if text := wantPublic(t, h.slash(t, "character create", map[string]any{"name": "Aria"})); !strings.Contains(text, "created **Aria**") {
		t.Errorf("with the right token: %q", text)
	}
	h.mcp.stop()
	h.mcp.token = "mcp-token-other"
	h.mcp.start(t, h.mcp.addr)
	wantError(t, h.slash(t, "character list", nil), "The character server (MCP) refused the bot's token: check MCP_AUTH_TOKEN.")
	if strings.Contains(h.logs.String(), "mcp-token-right") {
		t.Error("the MCP token appears in the logs")
	}
}

// TestGuildNotJoined: a guild of DISCORD_GUILD_IDS the app is not in
// (Discord answers 403 Missing Access) is logged with the reason, and the
// bot carries on in the others.
func TestGuildNotJoined(t *testing.T) {
	const missing = "1100000000000000001" // a guild the emulator's app was never invited to
	h := startBot(t, func(c *Config) { c.GuildIDs = append(c.GuildIDs, missing) }, nil)
	if n := len(h.discord.Commands(h.guild)); n != 9 {
		t.Errorf("%d commands in the joined guild, want 9", n)
	}
	logs := h.logs.String()
	for _, want := range []string{`"guild":"` + missing + `"`, "Missing Access", "applications.commands"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if text := wantEphemeral(t, h.slash(t, "status", nil)); !strings.Contains(text, "connected") {
		t.Errorf("status %q", text)
	}
	if err := h.bot.Unregister(t.Context()); err != nil {
		t.Errorf("unregister with one guild not joined: %v", err)
	}
	if n := len(h.discord.Commands(h.guild)); n != 0 {
		t.Errorf("%d commands left in the joined guild after unregistering, want 0", n)
	}
}

// TestNoGuildJoined: when every scope fails, the bot stops with the
// reason.
func TestNoGuildJoined(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	b, err := New(Config{Token: testToken, GuildIDs: []string{discord.NewID(), discord.NewID()}, MCPServerURL: DefaultMCPServerURL},
		slog.New(slog.DiscardHandler), WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "Missing Access") || !strings.Contains(err.Error(), "in no server of DISCORD_GUILD_IDS") {
		t.Errorf("run: %v, want it to stop naming the failure", err)
	}
	if len(discord.Identifies()) != 0 {
		t.Error("the bot connected to the gateway with no command registered")
	}
}

// TestLeftoverGuildCommands: after a switch from guild to global
// registration, the commands an earlier run set in a guild would show
// twice there; the bot warns and says how to remove them.
func TestLeftoverGuildCommands(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	guild := discord.NewGuild()
	earlier, err := New(Config{Token: testToken, GuildIDs: []string{guild}, MCPServerURL: DefaultMCPServerURL},
		slog.New(slog.DiscardHandler), WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = earlier.Close() })
	appID, err := earlier.applicationID()
	if err != nil {
		t.Fatal(err)
	}
	if err := earlier.register(t.Context(), appID); err != nil {
		t.Fatal(err)
	}

	logs := &testsvc.LogBuffer{}
	b, err := New(Config{Token: testToken, MCPServerURL: DefaultMCPServerURL}, slog.New(slog.NewJSONHandler(logs, nil)),
		WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ran })
	waitFor(t, 10*time.Second, "the warning about the guild's commands", func() bool {
		return strings.Contains(logs.String(), "slash commands from guild registration are left")
	})
	for _, want := range []string{`"guild":"` + guild + `"`, "DISCORD_GUILD_IDS=" + guild + " discord-bot --unregister"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

// TestEmulatorValidatesCommands: the emulator refuses the definitions
// Discord refuses, so registering the bot's own proves them valid.
func TestEmulatorValidatesCommands(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	s, err := discordgo.New("Bot " + testToken)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = discord.Client()
	for name, cmd := range map[string]*discordgo.ApplicationCommand{
		"upper-case name": {Name: "Talk", Description: "x"},
		"no description":  {Name: "talk"},
		"required after optional": {Name: "talk", Description: "x", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "a", Description: "x"},
			{Type: discordgo.ApplicationCommandOptionString, Name: "b", Description: "x", Required: true},
		}},
	} {
		if _, err := s.ApplicationCommandBulkOverwrite(discord.AppID, "", []*discordgo.ApplicationCommand{cmd}); err == nil ||
			!strings.Contains(err.Error(), "Invalid Form Body") {
			t.Errorf("%s: %v, want Invalid Form Body", name, err)
		}
	}
	if _, err := s.ApplicationCommandBulkOverwrite(discord.AppID, "", globalCommandDefinitions()); err != nil {
		t.Errorf("the bot's commands: %v", err)
	}
}

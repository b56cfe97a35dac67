package bot

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestRouteDiscordgoLogs(t *testing.T) {
	var buf bytes.Buffer
	RouteDiscordgoLogs(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), "tok.en-123")
	t.Cleanup(func() { discordgo.Logger = nil })
	discordgo.Logger(discordgo.LogWarning, 0, "identify with %s failed\n", "Bot tok.en-123")
	got := buf.String()
	if strings.Contains(got, "tok.en-123") || !strings.Contains(got, `"msg":"identify with Bot [REDACTED] failed"`) ||
		!strings.Contains(got, `"level":"WARN"`) || !strings.Contains(got, `"source":"discordgo"`) {
		t.Errorf("log line %s", got)
	}
	buf.Reset()
	discordgo.Logger(discordgo.LogError, 0, "API REQUEST %s :: %s", "PATCH", "https://discord.com/api/v9/webhooks/1/secret-itoken/messages/@original")
	if got := buf.String(); strings.Contains(got, "secret-itoken") || !strings.Contains(got, "webhooks/1/[REDACTED]/messages") {
		t.Errorf("log line %s, want the interaction token redacted", got)
	}
}

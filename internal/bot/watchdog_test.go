package bot

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/bot/discordfake"
)

// TestWatchdogEndsAStuckGateway: discordgo v0.29.0 deadlocks when the
// gateway sends Reconnect (op 7) before READY, and never reconnects. The
// watchdog makes Run fail once the gateway has been down for its grace
// period, and shutdown does not hang on the deadlocked session.
func TestWatchdogEndsAStuckGateway(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	discord.ReconnectOnIdentify(1)
	b, err := New(Config{Token: testToken, GuildIDs: []string{discord.NewGuild()}, MCPServerURL: DefaultMCPServerURL},
		slog.New(slog.DiscardHandler), WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	b.watchdogGrace, b.closeTimeout = 500*time.Millisecond, 500*time.Millisecond
	t.Cleanup(func() { _ = b.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ran := make(chan error, 1)
	start := time.Now()
	go func() { ran <- b.Run(ctx) }()
	select {
	case err := <-ran:
		if err == nil || !strings.Contains(err.Error(), "the Discord gateway has been down for") {
			t.Errorf("run: %v, want the watchdog's error", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("run returned after %s, want soon after the 500ms grace", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run still hangs 10 s after the gateway got stuck") // the goroutine leaks, deadlocked
	}
}

package bot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/bot/discordfake"
)

// TestGatewayInvalidSession: Discord ends a session with op 9 Invalid
// Session (not resumable); no event reaches the bot until it identifies
// again, which it does on the same connection, and it answers again.
func TestGatewayInvalidSession(t *testing.T) {
	h := startBot(t, nil, nil)
	h.slash(t, "character create", map[string]any{"name": "Aria"})
	if err := h.discord.InvalidateSession(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := h.discord.WaitConnected(ctx); err != nil {
		t.Fatalf("the bot did not identify again after op 9: %v", err)
	}
	if n := len(h.discord.Identifies()); n != 2 {
		t.Errorf("%d identifies, want a new session after op 9", n)
	}
	h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Still here.", 0 })
	if text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "still there?"})); !strings.Contains(text, "Still here.") {
		t.Errorf("reply %q after the new session", text)
	}
}

// TestGatewayClosedWithNormalClosure: discordgo closes with 1000 when a
// heartbeat goes unacknowledged, and Discord invalidates a session closed
// with 1000: the resume that follows is refused (op 9), and the bot must
// identify again instead of waiting for events of the dead session.
func TestGatewayClosedWithNormalClosure(t *testing.T) {
	h := startBot(t, nil, nil)
	h.slash(t, "character create", map[string]any{"name": "Aria"})
	// The next connection asks for heartbeats every 100 ms; discordgo
	// gives up on a connection after five intervals without an ACK.
	h.discord.SetHeartbeatInterval(100 * time.Millisecond)
	h.discord.DropGateway()
	waitFor(t, 20*time.Second, "the bot to resume", func() bool { return h.discord.Resumes() == 1 && h.discord.Connected() })

	h.discord.StopHeartbeatAcks(true)
	waitFor(t, 20*time.Second, "the bot to close the silent connection", func() bool { return h.discord.SessionsInvalidated() > 0 })
	h.discord.StopHeartbeatAcks(false)
	h.discord.SetHeartbeatInterval(0)
	waitFor(t, 20*time.Second, "the bot to identify again", func() bool {
		return len(h.discord.Identifies()) >= 2 && h.discord.Connected()
	})
	h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Still here.", 0 })
	if text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "still there?"})); !strings.Contains(text, "Still here.") {
		t.Errorf("reply %q after the new session", text)
	}
}

// TestGatewayFatalCloseStopsReconnecting: after a close code Discord
// documents as final (here 4004, the token was reset in the portal), the
// bot stops reconnecting: Run ends with the code and what to do, and logs
// them. discordgo alone would retry forever, and only
// the watchdog would end it minutes later with a misleading reason.
func TestGatewayFatalCloseStopsReconnecting(t *testing.T) {
	discord := discordfake.New(testToken)
	t.Cleanup(discord.Close)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(io.MultiWriter(&logs, t.Output()), nil))
	b, err := New(Config{Token: testToken, GuildIDs: []string{discord.NewGuild()}, MCPServerURL: DefaultMCPServerURL, HealthAddr: "127.0.0.1:0"},
		logger, WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- b.Run(ctx) }()
	if err := discord.WaitConnected(ctx); err != nil {
		t.Fatalf("the bot did not connect: %v", err)
	}
	addr, err := b.HealthAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	discord.ResetToken("the-new-token")
	select {
	case err := <-ran:
		if err == nil || !strings.Contains(err.Error(), "close code 4004") || !strings.Contains(err.Error(), "set DISCORD_TOKEN to the current one") {
			t.Errorf("run: %v, want the close code and what to do", err)
		}
	case <-time.After(30 * time.Second):
		code, body := httpGet(t, "http://"+addr+"/healthz")
		t.Fatalf("run still reconnecting 30 s after the gateway closed with 4004 (healthz %d %s)", code, body)
	}
	if !strings.Contains(logs.String(), "close code 4004") {
		t.Errorf("no log line names the close code:\n%s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestHealthNamesAFatalClose: once the gateway has refused the bot for
// good, /healthz fails at once with the reason, without the grace period
// of an ordinary disconnection.
func TestHealthNamesAFatalClose(t *testing.T) {
	b, err := New(Config{Token: testToken, MCPServerURL: DefaultMCPServerURL}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	if code, body := httpGet(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz %d %s before any failure", code, body)
	}
	b.gateway.fail(errors.New("connect to the Discord gateway: DISCORD_TOKEN was rejected (close code 4004)"))
	if code, body := httpGet(t, srv.URL+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "close code 4004") {
		t.Errorf("healthz %d %s, want 503 naming the close code", code, body)
	}
}

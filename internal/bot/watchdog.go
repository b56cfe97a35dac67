package bot

import (
	"context"
	"fmt"
	"time"
)

// Gateway watchdog. discordgo v0.29.0 deadlocks when Discord sends
// Reconnect (op 7) while Open holds the session lock: the bot then never
// reconnects, and Close waits for the same lock. Kubernetes' liveness probe
// (/healthz) restarts such a bot; compose and a bare host would not, so the
// process ends itself, non-zero, for its supervisor to restart it.
const (
	// defaultWatchdogGrace is how long the gateway may be down, connecting
	// included, before Run fails. It is longer than /healthz's grace, so
	// that under Kubernetes the liveness probe acts first.
	defaultWatchdogGrace = 5 * time.Minute
	// defaultCloseTimeout bounds the close of the gateway connection on
	// shutdown, which a deadlocked session would block forever.
	defaultCloseTimeout = 5 * time.Second
)

// watchGateway reports an error once the gateway has been disconnected
// for longer than b.watchdogGrace; it stops with ctx.
func (b *Bot) watchGateway(ctx context.Context) <-chan error {
	fired := make(chan error, 1)
	go func() {
		tick := time.NewTicker(min(b.watchdogGrace/4, 10*time.Second))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if gw := b.gateway.status(); !gw.Connected {
				if down := time.Since(gw.Since); down > b.watchdogGrace {
					fired <- fmt.Errorf("the Discord gateway has been down for %s (more than %s) and discordgo is not reconnecting; exiting so that the bot is restarted",
						down.Round(time.Second), b.watchdogGrace)
					return
				}
			}
		}
	}()
	return fired
}

// closeSession closes the gateway connection, giving up after
// b.closeTimeout: the session may be deadlocked.
func (b *Bot) closeSession() {
	done := make(chan error, 1)
	// discordgo does not reconnect by itself (see New), and Run reconnects
	// no more: a heartbeat failing during the close starts nothing.
	go func() { done <- b.session.Close() }()
	select {
	case err := <-done:
		if err != nil {
			b.logger.Warn("close the gateway connection", "error", err)
		}
	case <-time.After(b.closeTimeout):
		b.logger.Warn("the gateway connection did not close in time; leaving it", "timeout", b.closeTimeout)
	}
}

package bot

import (
	"context"
	"time"

	"github.com/bwmarrin/discordgo"
)

// typingRenewal is how often the typing indicator is renewed during a
// turn: Discord shows it for 10 seconds per request, and a turn (context,
// a slow model, bookkeeping) can take a minute.
const typingRenewal = 8 * time.Second

// keepTyping shows the typing indicator in a channel until stop is called
// (or ctx ends). The indicator is a courtesy: its failures change nothing.
func (b *Bot) keepTyping(ctx context.Context, channelID string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(b.typingEvery)
		defer tick.Stop()
		for {
			_ = b.session.ChannelTyping(channelID, discordgo.WithContext(ctx))
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	// Waiting for the goroutine makes sure no renewal is sent after the
	// reply, which would show the indicator again for 10 seconds.
	return func() {
		cancel()
		<-done
	}
}

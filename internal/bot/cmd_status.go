package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/version"
)

func (b *Bot) status(ctx context.Context, _ *call) (reply, error) {
	var s strings.Builder
	fmt.Fprintf(&s, "**charsim bot** %s\n", version.Version)
	gw := b.gateway.status()
	if gw.Connected {
		fmt.Fprintf(&s, "✅ **Discord gateway:** connected since <t:%d:R>\n", gw.Since.Unix())
	} else {
		fmt.Fprintf(&s, "❌ **Discord gateway:** disconnected since <t:%d:R>\n", gw.Since.Unix())
	}
	for _, r := range b.checkDependencies(ctx, true) {
		mark := "✅"
		if !r.OK {
			mark = "❌"
		}
		fmt.Fprintf(&s, "%s **%s:** %s (%s)\n", mark, r.Name, truncate(r.Detail, maxShownServerError), r.Latency.Round(time.Millisecond))
	}
	fmt.Fprintf(&s, "⏱️ **Rate limits:** %s per user, %s per channel (%s)", b.cfg.UserRate, b.cfg.ChannelRate, b.limits.limiter.Backend())
	return reply{content: s.String()}, nil
}

package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Sources of conversational turns, for the metrics.
const (
	sourceSlash   = "slash"
	sourceMention = "mention"
)

// maxQuotedMessage is how much of the user's message a /talk reply quotes
// (the slash command's own text is not shown to others).
const maxQuotedMessage = 300

func (b *Bot) talk(ctx context.Context, c *call) (reply, error) {
	message := c.str("message")
	res, err := b.converse(ctx, turnRequest{ChannelID: c.channelID, UserID: c.user.ID, UserName: c.userName, Message: message}, sourceSlash)
	if err != nil {
		return reply{}, err
	}
	return reply{content: turnText(res, c.userName, message)}, nil
}

// converse plays a turn with the channel's active character.
func (b *Bot) converse(ctx context.Context, req turnRequest, source string) (turnResult, error) {
	active, err := b.activeIn(ctx, req.ChannelID)
	if err != nil {
		return turnResult{}, err
	}
	req.Character = active.ID
	start := time.Now()
	res, err := b.conversation.take(ctx, req)
	if err != nil {
		return turnResult{}, forgotten(active, err)
	}
	elapsed := time.Since(start)
	b.metrics.turnLatency.Observe(elapsed.Seconds())
	b.metrics.handled.WithLabelValues(source).Inc()
	b.logger.InfoContext(ctx, "turn", "source", source, "character", res.Character, "channel", req.ChannelID, "user", req.UserID,
		"offline", res.Offline, "remembered", len(res.Remembered), "affinity_delta", res.Shift.Affinity,
		"events", len(res.Events), "duration", elapsed)
	return res, nil
}

// turnText is a turn as shown on Discord: optionally the user's message as
// a quote, the offline label when no language model wrote it, and the reply.
func turnText(res turnResult, userName, quoted string) string {
	var s strings.Builder
	if quoted != "" {
		lines := strings.Split(truncate(quoted, maxQuotedMessage), "\n")
		fmt.Fprintf(&s, "> **%s:** %s\n", userName, strings.Join(lines, "\n> "))
	}
	if res.Offline {
		s.WriteString(offlineLabel + "\n")
	}
	fmt.Fprintf(&s, "**%s:** %s", res.Character, res.Reply)
	return s.String()
}

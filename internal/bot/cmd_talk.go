package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/turn"
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
	req := turn.Request{ChannelID: c.channelID, UserID: c.user.ID, UserName: c.userName, Message: message}
	var (
		res turn.Result
		err error
	)
	if name := c.str("character"); name != "" {
		var who activeCharacter
		if who, err = b.addressee(ctx, c.channelID, name); err == nil {
			res, err = b.converseAs(ctx, who, req, sourceSlash)
		}
	} else {
		res, err = b.converse(ctx, req, sourceSlash)
	}
	if err != nil {
		return reply{}, err
	}
	return reply{content: turnText(res, c.userName, message)}, nil
}

// addressee is the character /talk's character option names: one of the
// channel's scene by name or nickname, else any character by name.
func (b *Bot) addressee(ctx context.Context, channelID, name string) (activeCharacter, error) {
	if sc, ok, err := b.channels.Get(ctx, channelID); err == nil && ok {
		for _, m := range sc.Cast {
			if strings.EqualFold(m.Name, name) || (m.Nickname != "" && strings.EqualFold(m.Nickname, name)) {
				return m, nil
			}
		}
	}
	p, err := b.findCharacter(ctx, name)
	if err != nil {
		return activeCharacter{}, err
	}
	return activeCharacter{ID: p.Character.ID, Name: p.Character.Name}, nil
}

// converse plays a turn with the channel's active character.
func (b *Bot) converse(ctx context.Context, req turn.Request, source string) (turn.Result, error) {
	active, err := b.activeIn(ctx, req.ChannelID)
	if err != nil {
		return turn.Result{}, err
	}
	return b.converseAs(ctx, active, req, source)
}

// converseAs plays a turn with the character who.
func (b *Bot) converseAs(ctx context.Context, who activeCharacter, req turn.Request, source string) (turn.Result, error) {
	req.Character = who.ID
	start := time.Now()
	res, err := b.turns.Take(ctx, req)
	if err != nil {
		return turn.Result{}, forgotten(who, err)
	}
	elapsed := time.Since(start)
	b.metrics.turnLatency.Observe(elapsed.Seconds())
	b.metrics.handled.WithLabelValues(source).Inc()
	b.logger.InfoContext(ctx, "turn", "source", source, "character", res.Character, "channel", req.ChannelID, "user", req.UserID,
		"offline", res.Offline, "remembered", len(res.Remembered), "affinity_delta", res.Shift.Affinity,
		"events", len(res.Events), "duration", elapsed)
	return res, nil
}

// offlineLabel heads every offline reply shown on Discord, in Discord's
// small text, so nobody mistakes it for a language model's writing.
const offlineLabel = "-# " + turn.OfflineNotice

// turnText is a turn as shown on Discord: optionally the user's message as
// a quote, the offline label when no language model wrote it, and the reply.
func turnText(res turn.Result, userName, quoted string) string {
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

package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/turn"
)

const (
	defaultTimelineShown = 10
	defaultEventImpact   = 5
	defaultEventType     = "action"
)

func (b *Bot) timelineShow(ctx context.Context, c *call) (reply, error) {
	events, err := b.mcp.Timeline(ctx, c.channelID, c.integer("limit", defaultTimelineShown))
	if err != nil {
		return reply{}, err
	}
	if len(events) == 0 {
		return reply{content: "Nothing has happened in this channel's story yet. `/timeline add` writes the first event."}, nil
	}
	var s strings.Builder
	fmt.Fprintf(&s, "📜 **The story of this channel** (latest %d, oldest first)\n", len(events))
	for _, e := range events {
		fmt.Fprintf(&s, "• <t:%d:R> `%s` %s\n", e.CreatedAt.Unix(), e.Type, e.Description)
	}
	return reply{content: s.String()}, nil
}

func (b *Bot) timelineAdd(ctx context.Context, c *call) (reply, error) {
	event := turn.NewEvent{
		Channel: c.channelID, Description: c.str("description"), Type: defaultEventType,
		Impact: c.integer("impact", defaultEventImpact), Participants: []string{c.user.ID},
	}
	if t := c.str("type"); t != "" {
		event.Type = t
	}
	// The channel's character takes part when one was chosen; the story
	// of a channel without one is still a story.
	if sc, ok, err := b.channels.Get(ctx, c.channelID); err == nil && ok {
		event.Character = sc.lead().ID
	}
	added, err := b.mcp.AddEvent(ctx, event)
	if err != nil {
		return reply{}, err
	}
	return reply{content: fmt.Sprintf("📜 %s added to the story (`%s`, impact %d): %s", c.userName, added.Type, added.Impact, added.Description)}, nil
}

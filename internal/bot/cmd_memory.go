package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/turn"
)

// Defaults of /remember and /recall.
const (
	defaultRememberImportance = 6
	recallShown               = 5
)

func (b *Bot) remember(ctx context.Context, c *call) (reply, error) {
	active, err := b.activeIn(ctx, c.channelID)
	if err != nil {
		return reply{}, err
	}
	text := c.str("text")
	// The same shape as what the turn heuristic remembers, so that both are
	// recalled alike.
	if _, err := b.mcp.Remember(ctx, turn.NewMemory{
		Character: active.ID, Text: fmt.Sprintf("%s said: %q", c.userName, text), Kind: turn.KindSemantic,
		Importance: c.integer("importance", defaultRememberImportance), User: c.user.ID, Channel: c.channelID,
		Tags: []string{"discord", "remember"},
	}); err != nil {
		return reply{}, forgotten(active, err)
	}
	return reply{content: fmt.Sprintf("📝 %s will remember: %s", active.Name, text)}, nil
}

// recall shows what the character remembers about the caller only: other
// people's memories are theirs.
func (b *Bot) recall(ctx context.Context, c *call) (reply, error) {
	active, err := b.activeIn(ctx, c.channelID)
	if err != nil {
		return reply{}, err
	}
	query := c.str("query")
	found, err := b.mcp.Recall(ctx, turn.RecallRequest{Character: active.ID, Query: query, User: c.user.ID, Limit: recallShown})
	if err != nil {
		return reply{}, forgotten(active, err)
	}
	if len(found) == 0 {
		return reply{content: fmt.Sprintf("%s remembers nothing about you yet.", active.Name)}, nil
	}
	var s strings.Builder
	fmt.Fprintf(&s, "🧠 What %s remembers about you, for “%s”:\n", active.Name, query)
	for _, m := range found {
		fmt.Fprintf(&s, "• %s *(importance %d, <t:%d:R>)*\n", m.Text, m.Importance, m.CreatedAt.Unix())
	}
	return reply{content: s.String()}, nil
}

package bot

import (
	"context"
	"fmt"
	"strings"
)

func (b *Bot) relationship(ctx context.Context, c *call) (reply, error) {
	active, err := b.activeIn(ctx, c.channelID)
	if err != nil {
		return reply{}, err
	}
	rel, err := b.mcp.RelationshipWith(ctx, active.ID, c.user.ID)
	if err != nil {
		return reply{}, forgotten(active, err)
	}
	var s strings.Builder
	fmt.Fprintf(&s, "💞 **%s** about you: %s (affinity %+.2f), %s (trust %+.2f).",
		active.Name, affinityWord(rel.Affinity), rel.Affinity, trustWord(rel.Trust), rel.Trust)
	if n := len(rel.History); n > 0 {
		fmt.Fprintf(&s, "\nLatest change: %s", rel.History[n-1].Reason)
	} else {
		fmt.Fprintf(&s, "\nYou have not met yet: `/talk` to %s.", active.Name)
	}
	return reply{content: s.String()}, nil
}

// A scale turns a -1..1 value into words; each threshold is the lowest
// value of its word.
type scale []struct {
	atLeast float64
	word    string
}

func (sc scale) word(v float64) string {
	for _, step := range sc {
		if v >= step.atLeast {
			return step.word
		}
	}
	return sc[len(sc)-1].word
}

var (
	affinityScale = scale{{0.6, "devoted"}, {0.3, "fond of you"}, {0.1, "friendly"}, {-0.1, "neutral"},
		{-0.3, "wary"}, {-0.6, "dislikes you"}, {-1, "hostile"}}
	trustScale = scale{{0.6, "trusts you completely"}, {0.3, "trusts you"}, {0.1, "somewhat trusting"},
		{-0.1, "undecided"}, {-0.3, "doubtful"}, {-1, "distrustful"}}
)

func affinityWord(v float64) string { return affinityScale.word(v) }
func trustWord(v float64) string    { return trustScale.word(v) }

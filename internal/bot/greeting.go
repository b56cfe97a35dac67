package bot

import (
	"context"
	"math/rand/v2"
	"slices"

	"github.com/mojin/charsim/internal/turn"
)

// cardGreetings are the opening messages of a character imported from a
// card, as get_character returns them: {{char}} and {{user}} already
// replaced by the server ({{user}} with the user's persona name, else their
// display name).
type cardGreetings struct {
	FirstMes           string   `json:"first_mes"`
	AlternateGreetings []string `json:"alternate_greetings"`
	GroupOnlyGreetings []string `json:"group_only_greetings,omitempty"`
}

// cardDetails is what a scene needs of a character's card: its greetings
// and its nickname. A character created without a card has neither.
type cardDetails struct {
	Greetings *cardGreetings
	Nickname  string
}

// cardOf reads a character's greetings and nickname for the user who
// brings it into a scene.
func (b *Bot) cardOf(ctx context.Context, characterID, userID, userName string) (cardDetails, error) {
	p, err := turn.Call[struct {
		Character turn.Character `json:"character"`
		CharName  string         `json:"char_name"`
		Greetings *cardGreetings `json:"greetings"`
	}](ctx, b.mcp, "get_character", map[string]string{"character": characterID, "user": userID, "user_name": userName})
	if err != nil {
		return cardDetails{}, err
	}
	d := cardDetails{Greetings: p.Greetings}
	if p.CharName != "" && p.CharName != p.Character.Name {
		d.Nickname = p.CharName
	}
	return d, nil
}

// greeting picks one of the card's greetings at random ("" when it has
// none): first_mes or an alternate greeting, and in a scene of several
// characters also the card's group-only greetings (V3), which are written
// for one.
func (d cardDetails) greeting(group bool, pick func(n int) int) string {
	g := d.Greetings
	if g == nil {
		return ""
	}
	var choices []string
	for _, s := range slices.Concat([]string{g.FirstMes}, g.AlternateGreetings) {
		if s != "" {
			choices = append(choices, s)
		}
	}
	if group {
		choices = append(choices, g.GroupOnlyGreetings...)
	}
	if len(choices) == 0 {
		return ""
	}
	if pick == nil {
		pick = rand.IntN
	}
	return choices[pick(len(choices))]
}

package bot

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/macro"
)

// cardDetails is what the bot reads from a character's card: its greetings
// (first_mes, then the alternate greetings) and its nickname. A character
// created without a card has neither.
type cardDetails struct {
	Greetings []string
	Nickname  string
	// DisplayName is what {{char}} stands for: the nickname, or the name.
	DisplayName string
}

// cardOf reads a character's card through export_character_card, which
// returns the card import_character_card stored with the character's
// current fields laid over it. The card codec is pure, so decoding it here
// costs the bot no database driver.
func (b *Bot) cardOf(ctx context.Context, characterID string) (cardDetails, error) {
	out, err := callTool[struct {
		CardJSON string `json:"card_json"`
	}](ctx, b.mcp, "export_character_card", map[string]string{"character": characterID, "format": "json"})
	if err != nil {
		return cardDetails{}, err
	}
	res, err := card.Decode([]byte(out.CardJSON))
	if err != nil {
		return cardDetails{}, fmt.Errorf("decode the card of character %s: %w", characterID, err)
	}
	return cardDetails{Greetings: res.Card.Greetings(), Nickname: res.Card.Nickname, DisplayName: res.Card.DisplayName()}, nil
}

// greeting picks one of the card's greetings at random, with {{char}} and
// {{user}} replaced; "" when the card has none.
func (d cardDetails) greeting(userName string, pick func(n int) int) string {
	if len(d.Greetings) == 0 {
		return ""
	}
	if pick == nil {
		pick = rand.IntN
	}
	return macro.Names{Char: d.DisplayName, User: userName}.Expand(d.Greetings[pick(len(d.Greetings))])
}

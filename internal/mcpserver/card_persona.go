package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/macro"
	"github.com/mojin/charsim/internal/store"
)

// A character imported from a card keeps the whole card (store.CharacterCard).
// The fields charsim's Character has no place for are read from it when a
// prompt is built: nickname, scenario, system_prompt,
// post_history_instructions and the greetings. creator_notes is for the
// people who read the card and is never read here.

// storedCard is the card a character was imported from, decoded, or nil for
// a character that was not imported.
func (s *Server) storedCard(ctx context.Context, ch store.Character) (*card.Card, error) {
	stored, err := s.store.GetCharacterCard(ctx, ch.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	res, err := card.Decode(stored.Original)
	if err != nil {
		return nil, fmt.Errorf("decode the stored card of %s: %w", ch.Name, err)
	}
	return res.Card, nil
}

// charName is what {{char}} stands for: a V3 card's nickname when it has
// one, else the character's (current) name.
func charName(ch store.Character, c *card.Card) string {
	if c != nil && strings.TrimSpace(c.Nickname) != "" {
		return c.Nickname
	}
	return ch.Name
}

// characterGreetings are a card's opening messages, with {{char}} replaced
// and {{user}} replaced when the user is known (else left as written, for
// the caller to replace).
type characterGreetings struct {
	FirstMes           string   `json:"first_mes" jsonschema:"The card's first message: what the character says when it enters a scene."`
	AlternateGreetings []string `json:"alternate_greetings" jsonschema:"Other opening messages to choose from instead of first_mes."`
	GroupOnlyGreetings []string `json:"group_only_greetings,omitempty" jsonschema:"Opening messages meant only for scenes with several characters (V3)."`
}

// greetingsOf returns the card's greetings with the macros replaced, or nil
// when the card has none.
func greetingsOf(c *card.Card, names macro.Names) *characterGreetings {
	if c == nil || (c.FirstMes == "" && len(c.AlternateGreetings) == 0 && len(c.GroupOnlyGreetings) == 0) {
		return nil
	}
	expand := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, g := range list {
			if strings.TrimSpace(g) != "" {
				out = append(out, names.Expand(g))
			}
		}
		return out
	}
	g := &characterGreetings{
		FirstMes: names.Expand(c.FirstMes), AlternateGreetings: expand(c.AlternateGreetings),
	}
	if gs := expand(c.GroupOnlyGreetings); len(gs) > 0 {
		g.GroupOnlyGreetings = gs
	}
	return g
}

// Charsim's default prompt texts, which a card's system_prompt and
// post_history_instructions replace ({{original}} inserts them).
const (
	defaultMainPrompt  = "You are {{char}}, a character in an ongoing roleplay. Stay in character and reply as {{char}} would."
	defaultPostHistory = "Write only {{char}}'s next reply, in character."
)

// cardPrompt is what a card adds to a character's prompt, macros replaced.
type cardPrompt struct {
	main, postHistory, scenario string
	examples                    []string // mes_example's <START> blocks
}

// promptOf is the prompt text of a character with card c (nil: none).
func promptOf(ch store.Character, c *card.Card, names macro.Names) cardPrompt {
	p := cardPrompt{
		main:        names.Expand(defaultMainPrompt),
		postHistory: names.Expand(defaultPostHistory),
	}
	if c == nil {
		return p
	}
	// The override and the default are expanded together, so that a macro
	// in either is replaced exactly once.
	p.main = names.Expand(macro.Override(c.SystemPrompt, defaultMainPrompt))
	p.postHistory = names.Expand(macro.Override(c.PostHistoryInstructions, defaultPostHistory))
	p.scenario = names.Expand(c.Scenario)
	// The character's speech patterns are its card's mes_example (kept in
	// step on update and export), so the current text is parsed.
	for _, block := range card.ExampleDialogues(ch.SpeechPatterns) {
		p.examples = append(p.examples, names.Expand(block))
	}
	return p
}

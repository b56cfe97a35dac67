package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/lore"
	"github.com/mojin/charsim/internal/macro"
	"github.com/mojin/charsim/internal/store"
)

// defaultLoreTokenBudget caps the lore of one turn (on top of each book's
// own budget), so that a world with many constant entries cannot crowd the
// conversation out of the prompt.
const defaultLoreTokenBudget = 2048

// triggeredLore is one lore entry that get_context inserts: authored canon
// whose keys came up in the conversation (or a constant entry), as opposed
// to memories, which record what happened.
type triggeredLore struct {
	EntryID  string `json:"entry_id"`
	BookID   string `json:"book_id"`
	Scope    string `json:"scope" jsonschema:"The book's scope: channel, character or world."`
	Content  string `json:"content" jsonschema:"The text to insert, decorators removed and {{char}}/{{user}} replaced."`
	Position string `json:"position" jsonschema:"Where it goes in the prompt: before_char, after_char, at_depth, …"`
	Depth    int    `json:"depth,omitempty"`
	Trigger  string `json:"trigger" jsonschema:"Why it activated: constant, or the key that matched."`
}

// triggeredLoreFor runs the lorebook engine over the conversation: the
// channel's books, the character's own books and the world books, scanning
// the recent messages and the new one, with {{char}} and {{user}} standing
// for names. It returns the entries to insert, in
// prompt order, and the entries that could not take part (a broken key).
func (s *Server) triggeredLoreFor(ctx context.Context, c store.Character, channel string, names macro.Names, recent []store.Message, newMessage string) ([]triggeredLore, []string, error) {
	filters := []store.LoreBookFilter{
		{Scope: store.LoreScopeChannel, OwnerID: channel},
		{Scope: store.LoreScopeCharacter, OwnerID: c.ID},
		{Scope: store.LoreScopeWorld},
	}
	var books []lore.Book
	var stored []store.LoreBook
	var entries [][]store.LoreEntry
	for _, f := range filters {
		bs, err := s.store.ListLoreBooks(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		for _, b := range bs {
			es, err := s.store.ListLoreEntries(ctx, b.ID)
			if err != nil {
				return nil, nil, err
			}
			books = append(books, b.Book(es))
			stored, entries = append(stored, b), append(entries, es)
		}
	}
	if len(books) == 0 {
		return []triggeredLore{}, nil, nil
	}
	// The engine hands back pointers into the books it was given.
	origin := map[*lore.Entry]int{}
	type place struct{ book, entry int }
	var places []place
	for i := range books {
		for j := range books[i].Entries {
			origin[&books[i].Entries[j]] = len(places)
			places = append(places, place{i, j})
		}
	}
	msgs := make([]lore.Message, 0, len(recent)+1)
	for _, m := range recent {
		name := m.UserID
		if m.Role == store.RoleAssistant {
			name = names.Char
		}
		msgs = append(msgs, lore.Message{Name: name, Text: m.Content})
	}
	if strings.TrimSpace(newMessage) != "" {
		msgs = append(msgs, lore.Message{Name: names.User, Text: newMessage})
	}
	res := lore.Activate(lore.Input{
		Messages: msgs, Books: books, TokenBudget: defaultLoreTokenBudget, CharName: names.Char, UserName: names.User,
	})
	out := make([]triggeredLore, 0, len(res.Activated))
	for _, a := range res.Activated {
		p, ok := origin[a.Entry]
		if !ok {
			return nil, nil, fmt.Errorf("lore engine returned an entry it was not given: %s", a.Ref)
		}
		b, e := stored[places[p].book], entries[places[p].book][places[p].entry]
		trigger := "constant"
		if a.Trigger.Kind == lore.TriggerKey {
			trigger = "key " + a.Trigger.Key
		}
		out = append(out, triggeredLore{
			EntryID: e.ID, BookID: b.ID, Scope: string(b.Scope), Content: a.Content,
			Position: a.Position.String(), Depth: a.Depth, Trigger: trigger,
		})
	}
	var problems []string
	for _, e := range res.Errors {
		problems = append(problems, e.Error())
	}
	return out, problems, nil
}

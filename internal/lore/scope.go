package lore

import "sort"

// Stacking order. The books in scope are stacked most specific first:
//
//  1. channel books (ScopeChannel): what this one channel or scene adds;
//  2. the character's own book (ScopeCharacter), usually its card's
//     character_book;
//  3. world books (ScopeWorld), shared by every character of a simulation.
//
// The order decides three things, and nothing else:
//
//   - A book that appears in two scopes under the same non-empty name (a
//     world book also attached to a channel, say) is used once, from the
//     more specific scope; the other copy is reported in Result.Shadowed.
//     In the same scope the first copy wins.
//   - When two activated entries carry the same content (after trimming
//     and the macros), the content is inserted once: the copy the budget
//     ranks first is kept, so at equal priority the more specific scope's
//     copy; the other is reported as a duplicate.
//   - At equal priority, the budget keeps the more specific scope's entry
//     first (see budget.go).
//
// In the prompt, entries are placed by position and insertion order, and
// only at equal insertion order does scope matter: world entries come
// first and channel entries last, so the most specific canon sits nearest
// the reply.

// precedence ranks a scope in the stacking order: lower is more specific.
// An unknown scope ranks after the world.
func (s Scope) precedence() int {
	switch s {
	case ScopeChannel, ScopeCharacter, ScopeWorld:
		return int(s)
	}
	return int(ScopeWorld) + 1
}

// ShadowedBook is a book left out because a more specific scope (or an
// earlier book in the same scope) carries a book of the same name.
type ShadowedBook struct {
	Name  string
	Scope Scope // the scope of the copy left out
	By    Scope // the scope of the copy used
}

type stackedBook struct {
	book  *Book
	index int // the book's index in Input.Books, for stable ties
}

// stackBooks returns the books in stacking order, without shadowed copies.
func stackBooks(books []Book) ([]stackedBook, []ShadowedBook) {
	stacked := make([]stackedBook, len(books))
	for i := range books {
		stacked[i] = stackedBook{book: &books[i], index: i}
	}
	sort.SliceStable(stacked, func(i, j int) bool {
		return stacked[i].book.Scope.precedence() < stacked[j].book.Scope.precedence()
	})
	seen := map[string]Scope{}
	var kept []stackedBook
	var shadowed []ShadowedBook
	for _, sb := range stacked {
		name := sb.book.Name
		if name != "" {
			if by, dup := seen[name]; dup {
				shadowed = append(shadowed, ShadowedBook{Name: name, Scope: sb.book.Scope, By: by})
				continue
			}
			seen[name] = sb.book.Scope
		}
		kept = append(kept, sb)
	}
	return kept, shadowed
}

package lore

import "sort"

// Stacking order, as the package documentation ("Scopes") states it:
// channel, character, world, most specific first. It resolves same-named
// books (stackBooks), duplicate content (budget.admit), ties in the budget
// (rankLess) and ties in the prompt (promptLess), and nothing else.

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

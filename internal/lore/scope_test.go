package lore

import "testing"

func TestScopeStacking(t *testing.T) {
	world := Book{Name: "w", Scope: ScopeWorld, Entries: []Entry{sized("world", 10, 0, 0)}}
	char := Book{Name: "c", Scope: ScopeCharacter, Entries: []Entry{sized("char", 10, 0, 0)}}
	channel := Book{Name: "ch", Scope: ScopeChannel, Entries: []Entry{sized("channel", 10, 0, 0)}}
	books := []Book{world, char, channel}

	// In the prompt at equal insertion order: world, character, channel.
	r := Activate(Input{Messages: msgs("go"), Books: books, Tokens: words})
	checkIDs(t, "prompt order", activatedIDs(r), "world,char,channel")
	for _, a := range r.Activated {
		if a.Ref.Scope.String() != map[string]string{"world": "world", "char": "character", "channel": "channel"}[a.Ref.ID] {
			t.Errorf("%s scope %v", a.Ref.ID, a.Ref.Scope)
		}
	}

	// Under a budget at equal priority, the most specific survives.
	tests := []struct {
		budget        int
		kept, dropped string
	}{
		{10, "channel", "char,world"},
		{20, "char,channel", "world"},
		{30, "world,char,channel", ""},
	}
	for _, tt := range tests {
		r := Activate(Input{Messages: msgs("go"), Books: books, Tokens: words, TokenBudget: tt.budget})
		checkIDs(t, "kept", activatedIDs(r), tt.kept)
		checkIDs(t, "dropped", droppedIDs(r), tt.dropped)
	}

	// Priority outranks scope.
	world.Entries[0].Priority = 1
	r = Activate(Input{Messages: msgs("go"), Books: []Book{world, char, channel}, Tokens: words, TokenBudget: 10})
	checkIDs(t, "priority over scope", activatedIDs(r), "world")
}

func TestSameBookInTwoScopes(t *testing.T) {
	shared := Book{Name: "shared", Scope: ScopeWorld, Entries: []Entry{on("w", "go")}}
	attached := Book{Name: "shared", Scope: ScopeChannel, Entries: []Entry{on("c", "go")}}
	again := Book{Name: "shared", Scope: ScopeChannel, Entries: []Entry{on("c2", "go")}}
	unnamed1 := Book{Scope: ScopeWorld, Entries: []Entry{on("u1", "go")}}
	unnamed2 := Book{Scope: ScopeWorld, Entries: []Entry{on("u2", "go")}}
	r := Activate(Input{Messages: msgs("go"), Books: []Book{shared, attached, again, unnamed1, unnamed2}})
	checkIDs(t, "activated", activatedIDs(r), "u1,u2,c")
	want := []ShadowedBook{{Name: "shared", Scope: ScopeChannel, By: ScopeChannel}, {Name: "shared", Scope: ScopeWorld, By: ScopeChannel}}
	if len(r.Shadowed) != 2 || r.Shadowed[0] != want[0] || r.Shadowed[1] != want[1] {
		t.Errorf("shadowed = %+v, want %+v", r.Shadowed, want)
	}
}

func TestDuplicateContentAcrossScopes(t *testing.T) {
	w := on("w", "go")
	w.Content = "The capital is Aster."
	c := on("c", "go")
	c.Content = "  The capital is Aster.\n"
	r := Activate(Input{Messages: msgs("go"), Books: []Book{
		{Name: "world", Scope: ScopeWorld, Entries: []Entry{w}},
		{Name: "card", Scope: ScopeCharacter, Entries: []Entry{c}},
	}})
	checkIDs(t, "kept", activatedIDs(r), "c")
	if len(r.Dropped) != 1 || r.Dropped[0].Ref.ID != "w" || r.Dropped[0].Reason != DroppedDuplicate ||
		r.Dropped[0].DuplicateOf.Scope != ScopeCharacter {
		t.Errorf("dropped = %+v", r.Dropped)
	}
}

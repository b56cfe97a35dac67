package lore_test

import (
	"fmt"

	"github.com/mojin/charsim/internal/lore"
)

func ExampleActivate() {
	card := lore.Book{
		Name: "Aster's book", Scope: lore.ScopeCharacter, RecursiveScanning: true,
		Entries: []lore.Entry{
			{ID: "1", Keys: []string{"Bessie"}, Content: "Bessie is {{char}}'s cow, friends with Rufus.", Enabled: true, InsertionOrder: 1},
			{ID: "2", Keys: []string{"Rufus"}, Content: "Rufus is a dog.", Enabled: true, InsertionOrder: 2},
			{ID: "3", Keys: []string{"/\\bdragons?\\b/i"}, Content: "Dragons are extinct.", Enabled: true},
		},
	}
	world := lore.Book{
		Name: "Valley", Scope: lore.ScopeWorld,
		Entries: []lore.Entry{{ID: "w", Constant: true, Content: "The valley is always foggy.", Enabled: true}},
	}
	res := lore.Activate(lore.Input{
		Messages: []lore.Message{{Name: "Ann", Text: "How is Bessie today?"}},
		Books:    []lore.Book{world, card},
		CharName: "Aster", UserName: "Ann",
	})
	for _, g := range res.Groups() {
		fmt.Printf("[%s]\n%s\n", g.Position, g.Content())
	}
	for _, a := range res.Activated {
		fmt.Printf("%s: step %d, %s %q\n", a.Ref, a.Step, a.Trigger.Kind, a.Trigger.Key)
	}
	// Output:
	// [before_char]
	// The valley is always foggy.
	// Bessie is Aster's cow, friends with Rufus.
	// Rufus is a dog.
	// world/Valley/w: step 1, constant ""
	// character/Aster's book/1: step 1, key "Bessie"
	// character/Aster's book/2: step 2, key "Rufus"
}

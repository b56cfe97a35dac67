package memory

import (
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// holds tells the follower which logged changes the index has already: any
// difference in metadata or vector means it has not.
func TestIndexHolds(t *testing.T) {
	x := newFlatIndex(2)
	v := store.MemoryVector{MemoryID: "m1", CharacterID: "c", UserID: "u", ChannelID: "ch", Kind: store.KindEpisodic, Vector: []float32{3, 4}}
	x.put(v)
	if !x.holds(v) {
		t.Fatal("the index does not hold the vector just put")
	}
	for name, change := range map[string]func(*store.MemoryVector){
		"another ID":        func(v *store.MemoryVector) { v.MemoryID = "m2" },
		"another character": func(v *store.MemoryVector) { v.CharacterID = "d" },
		"another user":      func(v *store.MemoryVector) { v.UserID = "" },
		"another channel":   func(v *store.MemoryVector) { v.ChannelID = "x" },
		"another kind":      func(v *store.MemoryVector) { v.Kind = store.KindSemantic },
		"another vector":    func(v *store.MemoryVector) { v.Vector = []float32{4, 3} },
	} {
		changed := v
		change(&changed)
		if x.holds(changed) {
			t.Errorf("%s: holds reports the old vector as the changed one", name)
		}
	}
	if scaled := (store.MemoryVector{MemoryID: "m1", CharacterID: "c", UserID: "u", ChannelID: "ch", Kind: store.KindEpisodic, Vector: []float32{6, 8}}); !x.holds(scaled) {
		t.Error("a scaled copy normalises to the same unit vector, which the index holds")
	}
}

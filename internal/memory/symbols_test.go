package memory

import (
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func TestSymbolsCountTheirUsers(t *testing.T) {
	s := newSymbols()
	a := s.acquire("alice")
	if again := s.acquire("alice"); again != a {
		t.Fatalf("alice interned twice: %d and %d", a, again)
	}
	b := s.acquire("bob")
	s.release(a)
	if got, ok := s.lookup("alice"); !ok || got != a {
		t.Fatal("alice left the table while one user remained")
	}
	s.release(a)
	if _, ok := s.lookup("alice"); ok {
		t.Fatal("alice stayed in the table after its last user")
	}
	// The freed number is reused, and only by the new name.
	if c := s.acquire("carol"); c != a {
		t.Errorf("carol got %d, want the freed %d", c, a)
	}
	if got, _ := s.lookup("bob"); got != b {
		t.Errorf("bob's symbol changed to %d", got)
	}
}

// The index forgets filter values with their last vector: a forgotten user's
// ID is not kept, and a reused symbol does not match the old value.
func TestIndexReleasesFilterValues(t *testing.T) {
	x := newFlatIndex(2)
	put := func(id, user string) {
		x.put(store.MemoryVector{MemoryID: id, CharacterID: "c", UserID: user, Kind: store.KindEpisodic, Vector: []float32{1, 0}})
	}
	search := func(user string) []Hit { return x.search([]float32{1, 0}, Filter{CharacterID: "c", UserID: user}, 10) }
	put("m1", "u1")
	put("m2", "u1")
	put("m2", "u2") // m2 moves to u2
	if hits := search("u1"); len(hits) != 1 || hits[0].MemoryID != "m1" {
		t.Fatalf("u1's memories = %v, want m1", hits)
	}
	x.remove("m1")
	if _, ok := x.symbols.lookup("u1"); ok {
		t.Fatal("u1 stays interned after its last memory was removed")
	}
	put("m3", "u3") // may reuse u1's number
	if hits := search("u1"); len(hits) != 0 {
		t.Fatalf("removed user u1 still matches %v", hits)
	}
	if hits := search("u3"); len(hits) != 1 || hits[0].MemoryID != "m3" {
		t.Fatalf("u3's memories = %v, want m3", hits)
	}
	x.remove("m2")
	x.remove("m3")
	if len(x.symbols.ids) != 0 || len(x.partitions) != 0 {
		t.Fatalf("empty index keeps symbols %v and partitions %v", x.symbols.ids, x.partitions)
	}
}

// Symbols are shared by every field: a character ID that is only used as a
// user ID has no partition, and a search for it finds nothing.
func TestSearchForACharacterKnownOnlyAsAUser(t *testing.T) {
	x := newFlatIndex(2)
	x.put(store.MemoryVector{MemoryID: "m1", CharacterID: "c", UserID: "u", Kind: store.KindEpisodic, Vector: []float32{1, 0}})
	if hits := x.search([]float32{1, 0}, Filter{CharacterID: "u"}, 10); len(hits) != 0 {
		t.Fatalf("search for character u = %v, want nothing", hits)
	}
	if hits := x.search([]float32{1, 0}, Filter{CharacterID: "c", UserID: "u"}, 10); len(hits) != 1 {
		t.Fatalf("search for c's memories about u = %v, want m1", hits)
	}
}

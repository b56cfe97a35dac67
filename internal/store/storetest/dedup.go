package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// dedupTests are about remembering the same thing twice.
var dedupTests = []contractTest{
	{"RememberingTheSameTextDeduplicates", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		first := must(s.CreateMemory(ctx, store.Memory{CharacterID: c.ID, UserID: "u1", ChannelID: "ch1", Kind: store.KindSemantic,
			Text: "Mia is a pilot.", Importance: 4, Tags: []string{"family"}, CreatedAt: at(0)}))(t)
		if first.Deduplicated {
			t.Fatal("the first memory is reported deduplicated")
		}
		for i, tc := range []struct {
			text           string
			importance     int
			wantImportance int
		}{
			{"Mia is a pilot.", 2, 4},    // the same: importance stays the higher
			{"  mia IS a   pilot", 7, 7}, // case, whitespace, no full stop: raised
			{"MIA IS A PILOT!!!", 5, 7},  // trailing punctuation
			{"Ｍｉａ　ｉｓ　ａ　ｐｉｌｏｔ。", 1, 7},    // full width (NFKC)
		} {
			m := must(s.CreateMemory(ctx, store.Memory{CharacterID: c.ID, UserID: "u1", ChannelID: "another channel",
				Kind: store.KindSemantic, Text: tc.text, Importance: tc.importance, CreatedAt: at(10 + i)}))(t)
			want := first
			want.Importance, want.Deduplicated = tc.wantImportance, true
			if !reflect.DeepEqual(m, want) {
				t.Fatalf("remembering %q again = %+v, want the first memory %+v", tc.text, m, want)
			}
		}
		if n := count(t, s).Memories; n != 1 {
			t.Fatalf("%d memories stored, want 1", n)
		}
		got := must(s.GetMemory(ctx, first.ID))(t)
		if got.Importance != 7 || got.Deduplicated || got.Text != "Mia is a pilot." {
			t.Fatalf("stored memory = %+v, want the first text with importance 7, not flagged", got)
		}

		// The same text of another user, another kind, another character,
		// or no user, is another memory; so is a text that differs inside.
		other := newCharacter(t, s, "Bram")
		for _, m := range []store.Memory{
			{CharacterID: c.ID, UserID: "u2", Kind: store.KindSemantic},
			{CharacterID: c.ID, Kind: store.KindSemantic},
			{CharacterID: c.ID, UserID: "u1", Kind: store.KindEpisodic},
			{CharacterID: other.ID, UserID: "u1", Kind: store.KindSemantic},
		} {
			m.Text, m.Importance = "Mia is a pilot.", 3
			if created := must(s.CreateMemory(ctx, m))(t); created.Deduplicated || created.ID == first.ID {
				t.Fatalf("%+v was deduplicated into %+v", m, created)
			}
		}
		if m := newMemory(t, s, store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindSemantic, Text: "Mia is a pilot, too."}); m.Deduplicated {
			t.Fatal("a different text was deduplicated")
		}
		if n := count(t, s).Memories; n != 6 {
			t.Fatalf("%d memories stored, want 6", n)
		}
	}},
	{"CreateMemoryWithVectorDeduplicatesAndKeepsTheVector", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		m := store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "The storm broke the mast.", Importance: 3}
		first := must(s.CreateMemoryWithVector(ctx, m, []float32{1, 0}))(t)
		last := must(s.LastVectorChange(ctx))(t)
		m.Text, m.Importance = "the storm broke the mast", 8
		again := must(s.CreateMemoryWithVector(ctx, m, []float32{0, 1}))(t)
		if !again.Deduplicated || again.ID != first.ID || again.Importance != 8 {
			t.Fatalf("second create = %+v, want memory %s deduplicated with importance 8", again, first.ID)
		}
		if c := count(t, s); c.Memories != 1 || c.Vectors != 1 {
			t.Fatalf("Count = %+v, want 1 memory and 1 vector", c)
		}
		if v := scanAll(t, s)[first.ID]; !reflect.DeepEqual(v.Vector, []float32{1, 0}) {
			t.Fatalf("vector = %v, want the first one kept", v.Vector)
		}
		if ids, _, _, err := s.VectorChanges(ctx, last, 10); err != nil || len(ids) != 0 {
			t.Fatalf("vector changes after a deduplicated create = %v, %v; want none", ids, err)
		}
	}},
	{"ConcurrentRemembersStoreOneRow", func(t *testing.T, open Opener) {
		s := open(t)
		c := newCharacter(t, s, "Aria")
		const writers = 16
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created []store.Memory
			errs    []error
		)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				<-start
				text := "We swore to meet again at the harbour."
				if w%2 == 1 {
					text = strings.ToUpper(text)
				}
				m := store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindEpisodic, Text: text, Importance: 1 + w%10}
				var (
					got store.Memory
					err error
				)
				if w%4 < 2 {
					got, err = s.CreateMemory(t.Context(), m)
				} else {
					got, err = s.CreateMemoryWithVector(t.Context(), m, []float32{1, float32(w)})
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("writer %d: %w", w, err))
				}
				created = append(created, got)
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			t.FailNow()
		}
		if n := count(t, s).Memories; n != 1 {
			t.Fatalf("%d concurrent remembers of the same text stored %d rows, want 1", writers, n)
		}
		deduplicated := 0
		for _, m := range created {
			if m.ID != created[0].ID {
				t.Fatalf("writers got different memories: %s and %s", created[0].ID, m.ID)
			}
			if m.Deduplicated {
				deduplicated++
			}
		}
		if deduplicated != writers-1 {
			t.Fatalf("%d results deduplicated, want %d", deduplicated, writers-1)
		}
		if m := must(s.GetMemory(t.Context(), created[0].ID))(t); m.Importance != 10 {
			t.Fatalf("importance = %d, want the highest of the writers', 10", m.Importance)
		}
	}},
	{"UpdateIntoADuplicateConflicts", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		a := newMemory(t, s, store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindSemantic, Text: "Mia is a pilot."})
		b := newMemory(t, s, store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindEpisodic, Text: "Mia is a pilot."})
		d := newMemory(t, s, store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindSemantic, Text: "Mia flies."})
		for name, patch := range map[string]store.MemoryPatch{
			"text": {Text: ptr("mia is a PILOT")},
			"kind": {Kind: ptr(store.KindSemantic)},
		} {
			id := d.ID
			if name == "kind" {
				id = b.ID
			}
			_, err := s.UpdateMemory(ctx, id, patch)
			requireIs(t, err, store.ErrConflict)
			if !strings.Contains(err.Error(), a.ID) {
				t.Fatalf("%s update conflict %q does not name memory %s", name, err, a.ID)
			}
		}
		if got := must(s.GetMemory(ctx, d.ID))(t); got.Text != "Mia flies." {
			t.Fatalf("a conflicting update changed the memory: %+v", got)
		}
		// Changing a memory's own text to another form of itself is fine,
		// and the old text is free afterwards.
		must(s.UpdateMemory(ctx, a.ID, store.MemoryPatch{Text: ptr("MIA IS A PILOT!")}))(t)
		must(s.UpdateMemory(ctx, a.ID, store.MemoryPatch{Text: ptr("Mia was a pilot.")}))(t)
		must(s.UpdateMemory(ctx, d.ID, store.MemoryPatch{Text: ptr("Mia is a pilot.")}))(t)
		again := must(s.CreateMemory(ctx, store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindSemantic, Text: "mia is a pilot", Importance: 1}))(t)
		if !again.Deduplicated || again.ID != d.ID {
			t.Fatalf("after the updates, remembering %q = %+v, want memory %s", "mia is a pilot", again, d.ID)
		}
	}},
	{"ImportNeverDropsADuplicate", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		held := newMemory(t, s, store.Memory{CharacterID: c.ID, Kind: store.KindSemantic, Text: "The sea is salty."})
		// Two copies in the dataset, and one of what the store holds: a store
		// from before deduplication, or one written by two processes, may
		// hold such rows, and a migration must keep every one.
		d := &store.Dataset{Memories: []store.Memory{
			{ID: "copy-1", CharacterID: c.ID, Kind: store.KindSemantic, Text: "the sea is salty", Importance: 2, CreatedAt: at(0)},
			{ID: "copy-2", CharacterID: c.ID, Kind: store.KindSemantic, Text: "The sea is salty!", Importance: 2, CreatedAt: at(1)},
			{ID: "new-1", CharacterID: c.ID, Kind: store.KindEpisodic, Text: "A gull stole my bread.", Importance: 2, CreatedAt: at(2)},
			{ID: "new-2", CharacterID: c.ID, Kind: store.KindEpisodic, Text: "a gull stole my bread", Importance: 2, CreatedAt: at(3)},
		}}
		if n := must(s.Import(ctx, d))(t); n.Memories != 4 {
			t.Fatalf("Import inserted %d memories, want 4", n.Memories)
		}
		if n := must(s.Import(ctx, d))(t); n.Memories != 0 {
			t.Fatalf("a second Import inserted %d memories, want 0", n.Memories)
		}
		if n := count(t, s).Memories; n != 5 {
			t.Fatalf("%d memories, want 5", n)
		}
		// Remembering again finds the memory that holds the key: the one
		// stored first, and for the imported pair the first imported.
		for text, want := range map[string]string{"The sea is salty": held.ID, "A gull stole my bread": "new-1"} {
			kind := store.KindSemantic
			if want == "new-1" {
				kind = store.KindEpisodic
			}
			m := must(s.CreateMemory(ctx, store.Memory{CharacterID: c.ID, Kind: kind, Text: text, Importance: 1}))(t)
			if !m.Deduplicated || m.ID != want {
				t.Fatalf("remembering %q = %+v, want memory %s", text, m, want)
			}
		}
		// A keyless copy can still be edited, and into a duplicate only by
		// conflict.
		must(s.UpdateMemory(ctx, "copy-2", store.MemoryPatch{Importance: ptr(6)}))(t)
		_, err := s.UpdateMemory(ctx, "new-2", store.MemoryPatch{Text: ptr("A gull stole my bread!")})
		requireIs(t, err, store.ErrConflict)
	}},
}

package storetest

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// scanAll collects every stored vector by memory ID.
func scanAll(t *testing.T, s store.Store) map[string]store.MemoryVector {
	t.Helper()
	out := map[string]store.MemoryVector{}
	noErr(t, s.ScanVectors(t.Context(), func(v store.MemoryVector) error {
		out[v.MemoryID] = v
		return nil
	}))
	return out
}

var vectorTests = []contractTest{
	{"VectorChangeLog", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		changes := func(after int64) ([]string, int64) {
			t.Helper()
			ids, last, complete, err := s.VectorChanges(ctx, after, 100)
			noErr(t, err)
			if !complete {
				t.Fatalf("VectorChanges(%d) is incomplete without pruning", after)
			}
			return ids, last
		}
		start, err := s.LastVectorChange(ctx)
		noErr(t, err)
		if ids, last := changes(start); len(ids) != 0 || last != start {
			t.Fatalf("changes after the last one = %v, %d; want none, %d", ids, last, start)
		}

		noErr(t, s.UpsertVectors(ctx, []store.MemoryVector{
			{MemoryID: "m1", CharacterID: "c1", Vector: []float32{1, 0}},
			{MemoryID: "m2", CharacterID: "c1", Vector: []float32{0, 1}},
		}))
		ids, afterUpsert := changes(start)
		if !reflect.DeepEqual(ids, []string{"m1", "m2"}) || afterUpsert <= start {
			t.Fatalf("changes after upserting m1, m2 = %v up to %d (from %d)", ids, afterUpsert, start)
		}
		if last, err := s.LastVectorChange(ctx); err != nil || last != afterUpsert {
			t.Fatalf("LastVectorChange = %d, %v; want %d", last, err, afterUpsert)
		}
		// Every kind of write is logged: a replacement, a delete, a memory
		// created with its vector, a memory deleted with it.
		noErr(t, s.UpsertVectors(ctx, []store.MemoryVector{{MemoryID: "m2", CharacterID: "c1", Vector: []float32{1, 1}}}))
		noErr(t, s.DeleteVectors(ctx, []string{"m1"}))
		c, err := s.CreateCharacter(ctx, store.Character{Name: "Aria"})
		noErr(t, err)
		m, err := s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "x", Importance: 1}, []float32{1, 0})
		noErr(t, err)
		noErr(t, s.DeleteMemory(ctx, m.ID))
		ids, last := changes(afterUpsert)
		if !reflect.DeepEqual(ids, []string{"m2", "m1", m.ID, m.ID}) {
			t.Fatalf("changes = %v, want m2 (replaced), m1 (deleted), %s (created, deleted)", ids, m.ID)
		}
		if ids, _, _, err := s.VectorChanges(ctx, start, 1); err != nil || len(ids) != 1 {
			t.Fatalf("VectorChanges with limit 1 = %v, %v", ids, err)
		}

		got, err := s.GetVectors(ctx, []string{"m1", "m2", m.ID})
		noErr(t, err)
		if len(got) != 1 || got[0].MemoryID != "m2" || !reflect.DeepEqual(got[0].Vector, []float32{1, 1}) {
			t.Fatalf("GetVectors(m1, m2, %s) = %+v, want only m2's current vector", m.ID, got)
		}

		// Pruning keeps the latest changes; following from before them is
		// reported incomplete.
		noErr(t, s.PruneVectorChanges(ctx, 2))
		if ids, _, complete, err := s.VectorChanges(ctx, start, 100); err != nil || complete || len(ids) != 2 {
			t.Fatalf("after pruning, changes from the start = %v complete=%v err=%v; want the 2 kept, incomplete", ids, complete, err)
		}
		if ids, _ := changes(last - 2); len(ids) != 2 {
			t.Fatalf("after pruning, the kept changes = %v", ids)
		}
	}},
	{"VectorsUpsertScanDelete", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		exact := []float32{1, -0.5, math.SmallestNonzeroFloat32, math.MaxFloat32, 0.1, -0}
		vs := []store.MemoryVector{
			{MemoryID: "m1", CharacterID: "c1", UserID: "u1", ChannelID: "ch", Kind: store.KindEpisodic, Vector: exact},
			{MemoryID: "m2", CharacterID: "c1", Kind: store.KindSemantic, Vector: []float32{0, 1}},
		}
		noErr(t, s.UpsertVectors(ctx, vs))
		got := scanAll(t, s)
		if len(got) != 2 || !reflect.DeepEqual(got["m1"], vs[0]) || !reflect.DeepEqual(got["m2"], vs[1]) {
			t.Fatalf("ScanVectors = %+v, want %+v", got, vs)
		}
		// Upsert replaces the vector and its filter fields.
		replaced := store.MemoryVector{MemoryID: "m2", CharacterID: "c2", Kind: store.KindReflection, Vector: []float32{3, 4, 5}}
		noErr(t, s.UpsertVectors(ctx, []store.MemoryVector{replaced}))
		if got := scanAll(t, s); len(got) != 2 || !reflect.DeepEqual(got["m2"], replaced) {
			t.Fatalf("after replace ScanVectors = %+v", got)
		}
		noErr(t, s.DeleteVectors(ctx, []string{"m1", "missing"}))
		if got := scanAll(t, s); len(got) != 1 || got["m2"].MemoryID != "m2" {
			t.Fatalf("after delete ScanVectors = %+v, want only m2", got)
		}
		noErr(t, s.DeleteVectors(ctx, nil))
	}},
	{"VectorValidation", func(t *testing.T, open Opener) {
		s := open(t)
		ok := store.MemoryVector{MemoryID: "m1", Vector: []float32{1}}
		err := s.UpsertVectors(t.Context(), []store.MemoryVector{ok, {MemoryID: "m2"}})
		requireInvalid(t, err, "vectors[1].vector")
		err = s.UpsertVectors(t.Context(), []store.MemoryVector{{Vector: []float32{1}}})
		requireInvalid(t, err, "vectors[0].memory_id")
		err = s.UpsertVectors(t.Context(), []store.MemoryVector{{MemoryID: "m3", Vector: []float32{1, float32(math.NaN())}}})
		requireInvalid(t, err, "vectors[0].vector[1]")
		if got := scanAll(t, s); len(got) != 0 {
			t.Fatalf("a rejected batch stored vectors: %+v", got)
		}
	}},
	{"ScanVectorsStopsOnCallbackError", func(t *testing.T, open Opener) {
		s := open(t)
		noErr(t, s.UpsertVectors(t.Context(), []store.MemoryVector{
			{MemoryID: "a", Vector: []float32{1}}, {MemoryID: "b", Vector: []float32{1}},
		}))
		stop := errors.New("stop")
		calls := 0
		err := s.ScanVectors(t.Context(), func(store.MemoryVector) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("ScanVectors = %v after %d calls, want the callback's error after 1", err, calls)
		}
	}},
	{"CreateMemoryWithVector", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		m := must(s.CreateMemoryWithVector(ctx, store.Memory{
			CharacterID: c.ID, UserID: "u1", ChannelID: "ch", Kind: store.KindEpisodic, Text: "storm", Importance: 8,
		}, []float32{0.25, 0.5}))(t)
		if got := must(s.GetMemory(ctx, m.ID))(t); !reflect.DeepEqual(got, m) {
			t.Fatalf("GetMemory = %+v, want %+v", got, m)
		}
		want := store.MemoryVector{MemoryID: m.ID, CharacterID: c.ID, UserID: "u1", ChannelID: "ch", Kind: store.KindEpisodic,
			Vector: []float32{0.25, 0.5}, Text: "storm", OccurredAt: m.OccurredAt}
		if got := scanAll(t, s)[m.ID]; !reflect.DeepEqual(got, want) {
			t.Fatalf("vector = %+v, want %+v", got, want)
		}
		// The vector's kind follows the memory's, since search filters on it.
		must(s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Kind: ptr(store.KindReflection)}))(t)
		if got := scanAll(t, s)[m.ID]; got.Kind != store.KindReflection {
			t.Fatalf("vector kind after UpdateMemory = %q, want reflection", got.Kind)
		}
		// Deleting the memory deletes its vector.
		noErr(t, s.DeleteMemory(ctx, m.ID))
		if got := scanAll(t, s); len(got) != 0 {
			t.Fatalf("vector outlived its memory: %+v", got)
		}
	}},
	{"VectorsCarryTheirMemorysTextAndTime", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		m := must(s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "a storm",
			Importance: 3, OccurredAt: at(-600)}, []float32{1, 0}))(t)
		// A vector without a memory row (as a Qdrant collection allows).
		noErr(t, s.UpsertVectors(ctx, []store.MemoryVector{{MemoryID: "orphan", CharacterID: c.ID, Vector: []float32{0, 1}}}))
		check := func(when string, text string, occurred time.Time) {
			t.Helper()
			scanned := scanAll(t, s)
			got := must(s.GetVectors(ctx, []string{m.ID, "orphan"}))(t)
			if len(got) != 2 {
				t.Fatalf("%s: GetVectors = %+v, want 2", when, got)
			}
			for _, v := range append(got, scanned[m.ID], scanned["orphan"]) {
				wantText, wantTime := text, occurred
				if v.MemoryID == "orphan" {
					wantText, wantTime = "", time.Time{}
				}
				if v.Text != wantText || !v.OccurredAt.Equal(wantTime) || v.OccurredAt.Location() != time.UTC {
					t.Fatalf("%s: vector of %s has text %q, occurred %v; want %q, %v UTC", when, v.MemoryID, v.Text, v.OccurredAt, wantText, wantTime)
				}
			}
		}
		check("created", "a storm", stored(at(-600)))
		last := must(s.LastVectorChange(ctx))(t)
		must(s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Text: ptr("a great storm"), OccurredAt: ptr(at(-300))}))(t)
		check("updated", "a great storm", stored(at(-300)))
		// Every update of a memory enters the change log, even one that
		// changes nothing of the vector, so that followers load the new text
		// and time.
		must(s.UpdateMemory(ctx, m.ID, store.MemoryPatch{OccurredAt: ptr(at(-200))}))(t)
		must(s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Importance: ptr(9)}))(t)
		ids, _, _, err := s.VectorChanges(ctx, last, 100)
		noErr(t, err)
		if !reflect.DeepEqual(ids, []string{m.ID, m.ID, m.ID}) {
			t.Fatalf("changes after three updates = %v, want %s three times", ids, m.ID)
		}
	}},
	{"CreateMemoryWithVectorIsAtomic", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		newMemory(t, s, store.Memory{ID: "taken", CharacterID: c.ID})
		// The memory row fails (duplicate ID); no vector may remain.
		_, err := s.CreateMemoryWithVector(ctx, store.Memory{ID: "taken", CharacterID: c.ID, Kind: store.KindEpisodic, Text: "x", Importance: 1}, []float32{1})
		requireIs(t, err, store.ErrConflict)
		_, err = s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: "ghost", Kind: store.KindEpisodic, Text: "x", Importance: 1}, []float32{1})
		requireInvalid(t, err, "character_id")
		_, err = s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "x", Importance: 1}, nil)
		requireInvalid(t, err, "vector")
		if c := count(t, s); c.Memories != 1 || c.Vectors != 0 {
			t.Fatalf("after failed creates Count = %+v, want 1 memory and no vectors", c)
		}
	}},
}

// Package memorytest is the contract every memory.VectorStore fulfils. The
// embedded store (on SQLite and PostgreSQL) and the Qdrant store run the same
// suite, so callers can rely on identical behaviour.
package memorytest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// dim is the collection dimension the suite uses; small, so that test
// vectors can be written by hand.
const dim = 4

// RunVectorStore runs the contract. newStore must return a store over empty
// storage each time it is called, and arrange its cleanup with t.Cleanup.
func RunVectorStore(t *testing.T, newStore func(t *testing.T) memory.VectorStore) {
	t.Run("SearchRanksByCosine", func(t *testing.T) { testSearchRanksByCosine(t, ensured(t, newStore)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, ensured(t, newStore)) })
	t.Run("UpsertReplaces", func(t *testing.T) { testUpsertReplaces(t, ensured(t, newStore)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, ensured(t, newStore)) })
	t.Run("DimensionMismatch", func(t *testing.T) { testDimensionMismatch(t, ensured(t, newStore)) })
	t.Run("Reset", func(t *testing.T) { testReset(t, ensured(t, newStore)) })
	t.Run("RejectsInvalidInput", func(t *testing.T) { testRejectsInvalidInput(t, ensured(t, newStore)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, ensured(t, newStore)) })
	t.Run("ScanVectors", func(t *testing.T) { testScanVectors(t, ensured(t, newStore)) })
	t.Run("RequiresEnsureCollection", func(t *testing.T) {
		vs := newStore(t)
		if _, err := vs.Search(t.Context(), []float32{1, 0, 0, 0}, memory.Filter{}, 1); err == nil {
			t.Fatal("Search before EnsureCollection succeeded, want an error")
		}
	})
}

func ensured(t *testing.T, newStore func(t *testing.T) memory.VectorStore) memory.VectorStore {
	t.Helper()
	vs := newStore(t)
	if vs.Name() == "" {
		t.Fatal("Name() is empty")
	}
	if err := vs.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := vs.EnsureCollection(t.Context(), dim); err != nil {
		t.Fatalf("EnsureCollection(%d): %v", dim, err)
	}
	// Ensuring the same dimension again is harmless (every start does it).
	if err := vs.EnsureCollection(t.Context(), dim); err != nil {
		t.Fatalf("second EnsureCollection(%d): %v", dim, err)
	}
	return vs
}

func vec(id, character string, v ...float32) store.MemoryVector {
	return store.MemoryVector{MemoryID: id, CharacterID: character, Kind: store.KindEpisodic, Vector: v}
}

func upsert(t *testing.T, vs memory.VectorStore, records ...store.MemoryVector) {
	t.Helper()
	if err := vs.Upsert(t.Context(), records); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
}

func search(t *testing.T, vs memory.VectorStore, q []float32, f memory.Filter, limit int) []memory.Hit {
	t.Helper()
	hits, err := vs.Search(t.Context(), q, f, limit)
	if err != nil {
		t.Fatalf("Search(%v, %+v, %d): %v", q, f, limit, err)
	}
	return hits
}

func ids(hits []memory.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.MemoryID
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-4 }

func testSearchRanksByCosine(t *testing.T, vs memory.VectorStore) {
	c := uuid.NewString()
	east, northeast, north, west := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	// Lengths differ on purpose: ranking must follow the angle, not the length.
	upsert(t, vs,
		vec(east, c, 1, 0, 0, 0),
		vec(northeast, c, 5, 5, 0, 0),
		vec(north, c, 0, 0.2, 0, 0),
		vec(west, c, -3, 0, 0, 0),
	)
	hits := search(t, vs, []float32{10, 1, 0, 0}, memory.Filter{CharacterID: c}, 10)
	want := []string{east, northeast, north, west}
	if !slices.Equal(ids(hits), want) {
		t.Fatalf("order = %v, want %v (east, northeast, north, west)", ids(hits), want)
	}
	cos := func(x, y float64) float32 { return float32((10*x + y) / (math.Hypot(10, 1) * math.Hypot(x, y))) }
	for i, wantSim := range []float32{cos(1, 0), cos(1, 1), cos(0, 1), -cos(1, 0)} {
		if !near(hits[i].Similarity, wantSim) {
			t.Errorf("hit %d similarity = %v, want cosine %v", i, hits[i].Similarity, wantSim)
		}
	}
	if got := search(t, vs, []float32{0, 1, 0, 0}, memory.Filter{CharacterID: c}, 2); !slices.Equal(ids(got), []string{north, northeast}) {
		t.Fatalf("limit 2 toward north = %v, want [north northeast]", ids(got))
	}
	if got := search(t, vs, []float32{1, 0, 0, 0}, memory.Filter{CharacterID: uuid.NewString()}, 5); len(got) != 0 {
		t.Fatalf("search for an unknown character returned %v", ids(got))
	}
}

func testFilters(t *testing.T, vs memory.VectorStore) {
	alice, bob := uuid.NewString(), uuid.NewString()
	type rec struct{ character, user, channel string }
	records := map[string]rec{}
	var all []store.MemoryVector
	i := 0
	for _, character := range []string{alice, bob} {
		for _, user := range []string{"u1", "u2", ""} {
			for _, channel := range []string{"general", "quest"} {
				for _, kind := range store.MemoryKinds {
					id := uuid.NewString()
					records[id] = rec{character, user, channel}
					i++
					all = append(all, store.MemoryVector{
						MemoryID: id, CharacterID: character, UserID: user, ChannelID: channel, Kind: kind,
						Vector: []float32{1, float32(i) / 100, 0, 0},
					})
				}
			}
		}
	}
	upsert(t, vs, all...)
	for _, f := range []memory.Filter{
		{},
		{CharacterID: alice},
		{CharacterID: bob, UserID: "u1"},
		{UserID: "u2"},
		{ChannelID: "quest"},
		{Kind: store.KindReflection},
		{CharacterID: alice, UserID: "u1", ChannelID: "general", Kind: store.KindSemantic},
		{CharacterID: alice, UserID: "nobody"},
	} {
		var want []string
		for _, v := range all {
			if (f.CharacterID == "" || v.CharacterID == f.CharacterID) && (f.UserID == "" || v.UserID == f.UserID) &&
				(f.ChannelID == "" || v.ChannelID == f.ChannelID) && (f.Kind == "" || v.Kind == f.Kind) {
				want = append(want, v.MemoryID)
			}
		}
		got := ids(search(t, vs, []float32{1, 0, 0, 0}, f, len(all)+5))
		if !sameSet(got, want) {
			t.Errorf("filter %+v returned %d hits, want %d", f, len(got), len(want))
		}
	}
}

func testUpsertReplaces(t *testing.T, vs memory.VectorStore) {
	c1, c2, id, other := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	upsert(t, vs, vec(id, c1, 1, 0, 0, 0), vec(other, c1, 0, 0, 1, 0))
	moved := store.MemoryVector{MemoryID: id, CharacterID: c2, UserID: "u9", Kind: store.KindSemantic, Vector: []float32{0, 1, 0, 0}}
	upsert(t, vs, moved)

	if got := search(t, vs, []float32{1, 0, 0, 0}, memory.Filter{CharacterID: c1}, 10); !slices.Equal(ids(got), []string{other}) {
		t.Fatalf("old character still finds %v, want only the other memory", ids(got))
	}
	got := search(t, vs, []float32{0, 1, 0, 0}, memory.Filter{CharacterID: c2, UserID: "u9", Kind: store.KindSemantic}, 10)
	if !slices.Equal(ids(got), []string{id}) || !near(got[0].Similarity, 1) {
		t.Fatalf("replaced vector: got %+v, want %s with similarity 1", got, id)
	}
	if all := search(t, vs, []float32{0, 1, 0, 0}, memory.Filter{}, 10); len(all) != 2 {
		t.Fatalf("upserting an existing ID duplicated it: %d hits, want 2", len(all))
	}
}

func testDelete(t *testing.T, vs memory.VectorStore) {
	c, keep, gone1, gone2 := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	upsert(t, vs, vec(keep, c, 1, 0, 0, 0), vec(gone1, c, 1, 1, 0, 0), vec(gone2, c, 0, 1, 0, 0))
	if err := vs.Delete(t.Context(), []string{gone1, gone2, uuid.NewString()}); err != nil {
		t.Fatalf("Delete (with an unknown ID among them): %v", err)
	}
	if err := vs.Delete(t.Context(), nil); err != nil {
		t.Fatalf("Delete(nil): %v", err)
	}
	if got := search(t, vs, []float32{0, 1, 0, 0}, memory.Filter{CharacterID: c}, 10); !slices.Equal(ids(got), []string{keep}) {
		t.Fatalf("after delete: %v, want only %s", ids(got), keep)
	}
	requireVectorCount(t, vs, 1)
	// A deleted ID can be written again.
	upsert(t, vs, vec(gone1, c, 0, 1, 0, 0))
	if got := search(t, vs, []float32{0, 1, 0, 0}, memory.Filter{CharacterID: c}, 1); !slices.Equal(ids(got), []string{gone1}) {
		t.Fatalf("re-inserted vector not found first: %v", ids(got))
	}
	requireVectorCount(t, vs, 2)
}

// requireVectorCount checks CountVectors, which a start compares with the
// SQL store's memories to notice a lost collection.
func requireVectorCount(t *testing.T, vs memory.VectorStore, want int64) {
	t.Helper()
	got, err := vs.CountVectors(t.Context())
	if err != nil {
		t.Fatalf("CountVectors: %v", err)
	}
	if got != want {
		t.Fatalf("CountVectors = %d, want %d", got, want)
	}
}

func testDimensionMismatch(t *testing.T, vs memory.VectorStore) {
	upsert(t, vs, vec(uuid.NewString(), uuid.NewString(), 1, 2, 3, 4))
	err := vs.EnsureCollection(t.Context(), 8)
	if !errors.Is(err, memory.ErrDimensionMismatch) {
		t.Fatalf("EnsureCollection(8) on a 4-dimensional collection: err = %v, want ErrDimensionMismatch", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "4") || !strings.Contains(msg, "8") {
		t.Fatalf("mismatch error %q does not name both dimensions", msg)
	}
	if err := vs.EnsureCollection(t.Context(), dim); err != nil {
		t.Fatalf("EnsureCollection(%d) after the refused mismatch: %v", dim, err)
	}
	if err := vs.Upsert(t.Context(), []store.MemoryVector{vec(uuid.NewString(), uuid.NewString(), 1, 2, 3)}); err == nil {
		t.Fatal("Upsert of a 3-dimensional vector into a 4-dimensional collection succeeded")
	}
	if _, err := vs.Search(t.Context(), []float32{1, 2, 3}, memory.Filter{}, 1); err == nil {
		t.Fatal("Search with a 3-dimensional vector in a 4-dimensional collection succeeded")
	}
}

func testReset(t *testing.T, vs memory.VectorStore) {
	c := uuid.NewString()
	upsert(t, vs, vec(uuid.NewString(), c, 1, 0, 0, 0))
	if err := vs.Reset(t.Context(), 6); err != nil {
		t.Fatalf("Reset(6): %v", err)
	}
	q := []float32{1, 0, 0, 0, 0, 0}
	if got := search(t, vs, q, memory.Filter{}, 10); len(got) != 0 {
		t.Fatalf("after Reset the store still holds %v", ids(got))
	}
	id := uuid.NewString()
	upsert(t, vs, vec(id, c, 1, 0, 0, 0, 0, 1))
	if err := vs.EnsureCollection(t.Context(), 6); err != nil {
		t.Fatalf("EnsureCollection(6) after Reset(6): %v", err)
	}
	if got := search(t, vs, q, memory.Filter{CharacterID: c}, 10); !slices.Equal(ids(got), []string{id}) {
		t.Fatalf("after Reset and upsert: %v, want %s", ids(got), id)
	}
	if err := vs.EnsureCollection(t.Context(), dim); !errors.Is(err, memory.ErrDimensionMismatch) {
		t.Fatalf("EnsureCollection(%d) after Reset(6) and an upsert: err = %v, want ErrDimensionMismatch", dim, err)
	}
}

func testRejectsInvalidInput(t *testing.T, vs memory.VectorStore) {
	ctx := t.Context()
	if err := vs.Upsert(ctx, []store.MemoryVector{vec("", uuid.NewString(), 1, 0, 0, 0)}); err == nil {
		t.Error("Upsert without a memory ID succeeded")
	}
	if err := vs.Upsert(ctx, []store.MemoryVector{vec(uuid.NewString(), "", 1, 0, 0, 0)}); err == nil {
		t.Error("Upsert without a character ID succeeded")
	}
	if _, err := vs.Search(ctx, []float32{1, 0, 0, 0}, memory.Filter{}, 0); err == nil {
		t.Error("Search with limit 0 succeeded")
	}
	if err := vs.EnsureCollection(ctx, 0); err == nil {
		t.Error("EnsureCollection(0) succeeded")
	}
	if got := search(t, vs, []float32{1, 0, 0, 0}, memory.Filter{}, 10); len(got) != 0 {
		t.Errorf("rejected upserts left vectors behind: %v", ids(got))
	}
}

// testConcurrent writes, deletes and searches from several goroutines; the
// final content must be exactly the vectors that were not deleted.
func testConcurrent(t *testing.T, vs memory.VectorStore) {
	const writers, perWriter = 4, 15
	c := uuid.NewString()
	ctx := context.Background()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		kept []string
		errs []error
	)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := uuid.NewString()
				v := vec(id, c, float32(w+1), float32(i+1), 1, 0)
				err := vs.Upsert(ctx, []store.MemoryVector{v})
				if err == nil && i%3 == 0 {
					err = vs.Delete(ctx, []string{id})
				} else if err == nil {
					mu.Lock()
					kept = append(kept, id)
					mu.Unlock()
				}
				if err == nil {
					_, err = vs.Search(ctx, []float32{1, 1, 1, 0}, memory.Filter{CharacterID: c}, 5)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("writer %d step %d: %w", w, i, err))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got := ids(search(t, vs, []float32{1, 1, 1, 0}, memory.Filter{CharacterID: c}, writers*perWriter))
	if !sameSet(got, kept) {
		t.Fatalf("after concurrent writes the store holds %d vectors, want %d", len(got), len(kept))
	}
}

// testScanVectors: an export reads every vector back, normalised, with its
// filter fields, wherever the vectors live.
func testScanVectors(t *testing.T, vs memory.VectorStore) {
	scanner, ok := vs.(memory.VectorScanner)
	if !ok {
		t.Fatalf("%s vector store does not implement memory.VectorScanner", vs.Name())
	}
	c := uuid.NewString()
	want := map[string]store.MemoryVector{}
	for i := range 300 { // more than one page of a Qdrant scroll
		v := store.MemoryVector{MemoryID: uuid.NewString(), CharacterID: c, UserID: fmt.Sprintf("u%d", i%3), ChannelID: "ch",
			Kind: store.KindSemantic, Vector: []float32{float32(i + 1), 0, 3, 4}}
		want[v.MemoryID] = v
	}
	records := make([]store.MemoryVector, 0, len(want))
	for _, v := range want {
		records = append(records, v)
	}
	upsert(t, vs, records...)

	seen := map[string]bool{}
	err := scanner.ScanVectors(t.Context(), func(got store.MemoryVector) error {
		w, ok := want[got.MemoryID]
		if !ok {
			return fmt.Errorf("scanned unknown memory %s", got.MemoryID)
		}
		if seen[got.MemoryID] {
			return fmt.Errorf("scanned memory %s twice", got.MemoryID)
		}
		seen[got.MemoryID] = true
		if got.CharacterID != w.CharacterID || got.UserID != w.UserID || got.ChannelID != w.ChannelID || got.Kind != w.Kind {
			return fmt.Errorf("memory %s scanned with fields %+v, want %+v", got.MemoryID, got, w)
		}
		norm := float32(math.Sqrt(float64(w.Vector[0]*w.Vector[0] + 9 + 16)))
		for i := range w.Vector {
			if len(got.Vector) != dim || !near(got.Vector[i], w.Vector[i]/norm) {
				return fmt.Errorf("memory %s scanned with vector %v, want %v normalised", got.MemoryID, got.Vector, w.Vector)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ScanVectors: %v", err)
	}
	if len(seen) != len(want) {
		t.Fatalf("ScanVectors returned %d vectors, want %d", len(seen), len(want))
	}

	stop := errors.New("stop")
	calls := 0
	if err := scanner.ScanVectors(t.Context(), func(store.MemoryVector) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("ScanVectors after fn failed: %v after %d calls, want fn's error after 1", err, calls)
	}
}

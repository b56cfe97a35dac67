package memory_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/memory/memorytest"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// openSQLite opens the SQLite store in dir; closing it is left to the test's cleanup.
func openSQLite(t testing.TB, dir string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatalf("open SQLite store in %s: %v", dir, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestEmbeddedContractSQLite(t *testing.T) {
	memorytest.RunVectorStore(t, func(t *testing.T) memory.VectorStore {
		return memory.NewEmbeddedStore(openSQLite(t, t.TempDir()))
	})
}

func TestEmbeddedContractPostgres(t *testing.T) {
	server := testsvc.PostgresURL(t)
	memorytest.RunVectorStore(t, func(t *testing.T) memory.VectorStore {
		st, err := store.Open(t.Context(), testsvc.NewDatabase(t, server), "")
		if err != nil {
			t.Fatalf("open PostgreSQL store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return memory.NewEmbeddedStore(st)
	})
}

func TestRecallContractSQLite(t *testing.T) {
	memorytest.RunRecall(t, func(t *testing.T) (store.Store, memory.VectorStore) {
		st := openSQLite(t, t.TempDir())
		return st, memory.NewEmbeddedStore(st)
	})
}

func TestRecallContractPostgres(t *testing.T) {
	server := testsvc.PostgresURL(t)
	memorytest.RunRecall(t, func(t *testing.T) (store.Store, memory.VectorStore) {
		st, err := store.Open(t.Context(), testsvc.NewDatabase(t, server), "")
		if err != nil {
			t.Fatalf("open PostgreSQL store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st, memory.NewEmbeddedStore(st)
	})
}

// Two processes on one database (say, the HTTP server and the stdio server
// a desktop client starts): what one writes, the other's index finds within
// a few seconds, including deletions and moves between characters.
func TestEmbeddedIndexFollowsOtherProcesses(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		testFollowsOtherProcesses(t, func() store.Store { return openSQLite(t, dir) })
	})
	t.Run("postgres", func(t *testing.T) {
		url := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
		testFollowsOtherProcesses(t, func() store.Store {
			st, err := store.Open(t.Context(), url, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
}

func testFollowsOtherProcesses(t *testing.T, open func() store.Store) {
	ctx := t.Context()
	writerStore := open()
	writer := memory.NewEmbeddedStore(writerStore)
	if err := writer.EnsureCollection(ctx, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Close() })
	upsert := func(vs ...store.MemoryVector) {
		t.Helper()
		if err := writer.Upsert(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	upsert(store.MemoryVector{MemoryID: "early", CharacterID: "c1", Kind: store.KindEpisodic, Vector: []float32{1, 1}})

	reader := memory.NewEmbeddedStore(open())
	if err := reader.EnsureCollection(ctx, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	found := func(character string) []string {
		hits, err := reader.Search(ctx, []float32{1, 0}, memory.Filter{CharacterID: character}, 10)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.MemoryID
		}
		slices.Sort(ids)
		return ids
	}
	// eventually waits until find returns want: the reader follows the log.
	eventually := func(what string, find func() []string, want []string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for got := find(); !slices.Equal(got, want); got = find() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the other index finds %v, want %v", what, got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	expect := func(what, character string, want ...string) {
		t.Helper()
		eventually(what+", searching "+character, func() []string { return found(character) }, want)
	}
	expect("written before it started", "c1", "early")

	upsert(store.MemoryVector{MemoryID: "m1", CharacterID: "c1", Kind: store.KindEpisodic, Vector: []float32{1, 0}},
		store.MemoryVector{MemoryID: "m2", CharacterID: "c1", Kind: store.KindEpisodic, Vector: []float32{0, 1}})
	expect("upserted", "c1", "early", "m1", "m2")
	upsert(store.MemoryVector{MemoryID: "m2", CharacterID: "c2", Kind: store.KindEpisodic, Vector: []float32{0, 1}})
	expect("moved to another character", "c1", "early", "m1")
	expect("moved to another character", "c2", "m2")
	if err := writer.Delete(ctx, []string{"m1", "early"}); err != nil {
		t.Fatal(err)
	}
	expect("deleted", "c1")

	aria, err := writerStore.CreateCharacter(ctx, store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := writer.CreateMemory(ctx, store.Memory{CharacterID: aria.ID, Kind: store.KindEpisodic, Text: "The lighthouse keeper waved", Importance: 1}, []float32{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	expect("a memory created with its vector", aria.ID, m.ID)
	// The lexical index follows the same log: the other process finds the
	// memory by its words, then by its new words only once it is re-upserted
	// with another text.
	foundText := func(query string) []string {
		hits, err := reader.SearchText(ctx, query, memory.Filter{CharacterID: aria.ID}, 10)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.MemoryID
		}
		return ids
	}
	expectText := func(what, query string, want ...string) {
		t.Helper()
		eventually(what+", searching "+query, func() []string { return foundText(query) }, want)
	}
	expectText("a memory created with its vector", "lighthouse", m.ID)
	newText := "The keeper rowed to the island"
	if _, err := writerStore.UpdateMemory(ctx, m.ID, store.MemoryPatch{Text: &newText}); err != nil {
		t.Fatal(err)
	}
	if err := writer.Upsert(ctx, []store.MemoryVector{{MemoryID: m.ID, CharacterID: aria.ID, Kind: store.KindEpisodic, Text: newText, Vector: []float32{1, 0}}}); err != nil {
		t.Fatal(err)
	}
	expectText("a memory whose text changed", "island", m.ID)
	expectText("a memory whose text changed", "lighthouse")
	if err := writerStore.DeleteMemory(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	expect("a memory deleted in SQL", aria.ID)
}

// TestEmbeddedSearchMatchesBruteForce compares searches with a brute-force
// ranking. Candidates come from approximate codes (7-bit, and from 128
// dimensions up a ternary shortlist first), so the top-k sets may differ in
// rare near-ties: at least 99% of the hits must score as well as the
// brute-force k-th best. Every returned similarity must be exact (not the
// code estimate) and in order. The vectors are Gaussian at 64 dimensions
// (7-bit codes alone) and at 256, and builtin embeddings of generated
// sentences (sparse, the default). It also covers the paths that only large
// collections take: the scan split across goroutines, and deletion moving
// slots around.
func TestEmbeddedSearchMatchesBruteForce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 20k-vector scans")
	}
	gaussian := func(dim int) func(*rand.Rand) []float32 {
		return func(rng *rand.Rand) []float32 {
			v := make([]float32, dim)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			return v
		}
	}
	emb, err := memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension)
	if err != nil {
		t.Fatal(err)
	}
	vocabulary := strings.Fields(`lantern harbour ship storm captain map compass tavern bread sword letter ring key
		forest river bridge tower garden market song dance fire winter summer friend enemy secret promise debt
		horse cart road inn king queen child mother father brother sister wolf raven apple wine gold silver`)
	sentence := func(words int) func(*rand.Rand) []float32 {
		return func(rng *rand.Rand) []float32 {
			text := make([]string, words+rng.IntN(words))
			for i := range text {
				text[i] = vocabulary[rng.IntN(len(vocabulary))]
			}
			v, err := emb.Embed(t.Context(), []string{strings.Join(text, " ")})
			if err != nil {
				t.Fatal(err)
			}
			return v[0]
		}
	}
	for _, tc := range []struct {
		name          string
		dim           int
		record, query func(*rand.Rand) []float32
	}{
		{"gaussian-64", 64, gaussian(64), gaussian(64)},
		{"gaussian-256", 256, gaussian(256), gaussian(256)},
		{"builtin-text", memory.DefaultBuiltinDimension, sentence(8), sentence(3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testSearchMatchesBruteForce(t, tc.dim, tc.record, tc.query)
		})
	}
}

func testSearchMatchesBruteForce(t *testing.T, dim int, record, query func(*rand.Rand) []float32) {
	const n, limit, queries = 20000, 10, 40
	rng := rand.New(rand.NewPCG(1, 2))
	vs := memory.NewEmbeddedStore(openSQLite(t, t.TempDir()))
	if err := vs.EnsureCollection(t.Context(), dim); err != nil {
		t.Fatal(err)
	}
	records := make(map[string]store.MemoryVector, n)
	batch := make([]store.MemoryVector, 0, n)
	for i := range n {
		r := store.MemoryVector{
			MemoryID: uuid.NewString(), CharacterID: []string{"c1", "c2", "c3"}[i%3],
			Kind: store.MemoryKinds[i%len(store.MemoryKinds)], Vector: record(rng),
		}
		records[r.MemoryID] = r
		batch = append(batch, r)
	}
	if err := vs.Upsert(t.Context(), batch); err != nil {
		t.Fatal(err)
	}

	check := func(stage string) {
		t.Helper()
		found, total := 0, 0
		for _, f := range []memory.Filter{{}, {CharacterID: "c2"}, {Kind: store.KindSemantic}} {
			for range queries {
				q := query(rng)
				var want []float64
				for _, r := range records {
					if (f.CharacterID == "" || r.CharacterID == f.CharacterID) && (f.Kind == "" || r.Kind == f.Kind) {
						want = append(want, cosine(q, r.Vector))
					}
				}
				sort.Sort(sort.Reverse(sort.Float64Slice(want)))
				hits, err := vs.Search(t.Context(), q, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) != limit {
					t.Fatalf("%s, filter %+v: %d hits, want %d", stage, f, len(hits), limit)
				}
				for i, h := range hits {
					r, ok := records[h.MemoryID]
					if !ok || (f.CharacterID != "" && r.CharacterID != f.CharacterID) || (f.Kind != "" && r.Kind != f.Kind) {
						t.Fatalf("%s, filter %+v: hit %s is not a stored vector matching the filter", stage, f, h.MemoryID)
					}
					exact := cosine(q, r.Vector)
					if math.Abs(float64(h.Similarity)-exact) > 1e-5 {
						t.Fatalf("%s, filter %+v: hit %d similarity %v, exactly %v", stage, f, i, h.Similarity, exact)
					}
					if i > 0 && h.Similarity > hits[i-1].Similarity {
						t.Fatalf("%s, filter %+v: hits out of order: %v", stage, f, hits)
					}
					if exact >= want[limit-1]-1e-6 {
						found++
					}
				}
				total += limit
			}
		}
		recall := float64(found) / float64(total)
		t.Logf("%s: recall@%d %.4f over %d queries", stage, limit, recall, total/limit)
		if recall < 0.99 {
			t.Errorf("%s: recall@%d %.4f, want at least 0.99", stage, limit, recall)
		}
	}
	check("full index")

	// Delete a random half: each delete moves the last slot into the hole.
	ids := make([]string, 0, n)
	for id := range records {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	if err := vs.Delete(t.Context(), ids[:n/2]); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:n/2] {
		delete(records, id)
	}
	check("after deleting half")
	all, err := vs.Search(t.Context(), make([]float32, dim), memory.Filter{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n/2 {
		t.Fatalf("index holds %d vectors after deleting half of %d", len(all), n)
	}
}

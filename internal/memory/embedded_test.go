package memory_test

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

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

// TestEmbeddedLargeScanMatchesBruteForce covers the paths that only large
// collections take (the search split across goroutines, deletion moving
// slots around) by comparing with a brute-force ranking.
func TestEmbeddedLargeScanMatchesBruteForce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 20k-vector scan")
	}
	const n, dim = 20000, 16
	rng := rand.New(rand.NewPCG(1, 2))
	vs := memory.NewEmbeddedStore(openSQLite(t, t.TempDir()))
	if err := vs.EnsureCollection(t.Context(), dim); err != nil {
		t.Fatal(err)
	}
	records := make(map[string]store.MemoryVector, n)
	batch := make([]store.MemoryVector, 0, n)
	for i := range n {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		r := store.MemoryVector{
			MemoryID: uuid.NewString(), CharacterID: []string{"c1", "c2", "c3"}[i%3],
			Kind: store.MemoryKinds[i%len(store.MemoryKinds)], Vector: v,
		}
		records[r.MemoryID] = r
		batch = append(batch, r)
	}
	if err := vs.Upsert(t.Context(), batch); err != nil {
		t.Fatal(err)
	}

	check := func(stage string) {
		t.Helper()
		for _, f := range []memory.Filter{{}, {CharacterID: "c2"}, {Kind: store.KindSemantic}} {
			q := make([]float32, dim)
			for j := range q {
				q[j] = float32(rng.NormFloat64())
			}
			type scored struct {
				id  string
				sim float64
			}
			var want []scored
			for _, r := range records {
				if (f.CharacterID == "" || r.CharacterID == f.CharacterID) && (f.Kind == "" || r.Kind == f.Kind) {
					want = append(want, scored{r.MemoryID, cosine(q, r.Vector)})
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i].sim > want[j].sim })
			hits, err := vs.Search(t.Context(), q, f, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 10 {
				t.Fatalf("%s, filter %+v: %d hits, want 10", stage, f, len(hits))
			}
			for i, h := range hits {
				// Compare similarities, not IDs: float rounding may swap near-ties.
				if d := float64(h.Similarity) - want[i].sim; d > 1e-4 || d < -1e-4 {
					t.Fatalf("%s, filter %+v: hit %d similarity %v, brute force %v", stage, f, i, h.Similarity, want[i].sim)
				}
			}
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

package memory_test

import (
	"math"
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

// TestEmbeddedSearchMatchesBruteForce compares searches with a brute-force
// ranking on random vectors. Candidates come from 7-bit codes, so the top-k
// sets may differ in rare near-ties: they must agree for at least 99% of the
// hits. Every returned similarity must be exact (not the code estimate) and
// in order. It also covers the paths that only large collections take: the
// scan split across goroutines, and deletion moving slots around.
func TestEmbeddedSearchMatchesBruteForce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 20k-vector scan")
	}
	const n, dim, limit, queries = 20000, 64, 10, 40
	rng := rand.New(rand.NewPCG(1, 2))
	vs := memory.NewEmbeddedStore(openSQLite(t, t.TempDir()))
	if err := vs.EnsureCollection(t.Context(), dim); err != nil {
		t.Fatal(err)
	}
	randomVector := func() []float32 {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		return v
	}
	records := make(map[string]store.MemoryVector, n)
	batch := make([]store.MemoryVector, 0, n)
	for i := range n {
		r := store.MemoryVector{
			MemoryID: uuid.NewString(), CharacterID: []string{"c1", "c2", "c3"}[i%3],
			Kind: store.MemoryKinds[i%len(store.MemoryKinds)], Vector: randomVector(),
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
				q := randomVector()
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
				hits, err := vs.Search(t.Context(), q, f, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) != limit {
					t.Fatalf("%s, filter %+v: %d hits, want %d", stage, f, len(hits), limit)
				}
				best := map[string]bool{}
				for _, w := range want[:limit] {
					best[w.id] = true
				}
				for i, h := range hits {
					r, ok := records[h.MemoryID]
					if !ok || (f.CharacterID != "" && r.CharacterID != f.CharacterID) || (f.Kind != "" && r.Kind != f.Kind) {
						t.Fatalf("%s, filter %+v: hit %s is not a stored vector matching the filter", stage, f, h.MemoryID)
					}
					if exact := cosine(q, r.Vector); math.Abs(float64(h.Similarity)-exact) > 1e-5 {
						t.Fatalf("%s, filter %+v: hit %d similarity %v, exactly %v", stage, f, i, h.Similarity, exact)
					}
					if i > 0 && h.Similarity > hits[i-1].Similarity {
						t.Fatalf("%s, filter %+v: hits out of order: %v", stage, f, hits)
					}
					if best[h.MemoryID] {
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

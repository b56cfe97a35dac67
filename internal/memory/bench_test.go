package memory_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// benchCharacters is how many characters share the memories; recall is
// usually about one of them.
const benchCharacters = 10

type benchFixture struct {
	svc        *memory.Service
	vs         memory.VectorStore
	characters []string
	vocabulary []string
	loadTime   time.Duration
}

// newBenchFixture imports n memories with builtin embeddings into a SQLite
// store (one transaction, far faster than n Remember calls) and starts a
// Service over it, which loads the embedded index.
func newBenchFixture(b *testing.B, owner *testing.B, n int) *benchFixture {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(42, uint64(n)))
	syllables := strings.Fields("ka lo mi ra tu se ven dor ith ael bri gor lun pha zet quo nys")
	vocabulary := make([]string, 3000)
	for i := range vocabulary {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		vocabulary[i] = w.String()
	}
	emb, err := memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension)
	if err != nil {
		b.Fatal(err)
	}
	d := &store.Dataset{}
	for i := range benchCharacters {
		d.Characters = append(d.Characters, store.Character{ID: uuid.NewString(), Name: fmt.Sprintf("bench-%d", i)})
	}
	start := time.Now().Add(-365 * 24 * time.Hour)
	for i := range n {
		words := make([]string, 8+rng.IntN(9))
		for j := range words {
			words[j] = vocabulary[rng.IntN(len(vocabulary))]
		}
		at := start.Add(time.Duration(i) * time.Minute)
		m := store.Memory{
			ID: uuid.NewString(), CharacterID: d.Characters[i%benchCharacters].ID, UserID: fmt.Sprintf("user-%d", rng.IntN(50)),
			Kind: store.MemoryKinds[i%len(store.MemoryKinds)], Text: strings.Join(words, " "), Importance: 1 + rng.IntN(10),
			CreatedAt: at, LastAccessedAt: at,
		}
		vs, err := emb.Embed(ctx, []string{m.Text})
		if err != nil {
			b.Fatal(err)
		}
		d.Memories = append(d.Memories, m)
		d.Vectors = append(d.Vectors, store.MemoryVector{
			MemoryID: m.ID, CharacterID: m.CharacterID, UserID: m.UserID, Kind: m.Kind, Vector: vs[0],
		})
	}
	st := openSQLite(owner, owner.TempDir())
	if _, err := st.Import(ctx, d); err != nil {
		b.Fatalf("import %d memories: %v", n, err)
	}
	vs := memory.NewEmbeddedStore(st)
	// Record which embedder made the imported vectors, as the server does
	// when it stores them: without it the Service re-embeds them all at
	// start and recalls by BM25 alone meanwhile, and the benchmark would
	// measure that instead of the vector search.
	if err := st.SetMeta(ctx, "vectors.embedder."+vs.Name(), memory.Fingerprint(emb)); err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	svc, err := memory.NewService(ctx, st, vs, emb, memory.DefaultWeights)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { svc.Close() })
	fx := &benchFixture{svc: svc, vs: vs, vocabulary: vocabulary, loadTime: time.Since(began)}
	for _, c := range d.Characters {
		fx.characters = append(fx.characters, c.ID)
	}
	return fx
}

func (fx *benchFixture) query(rng *rand.Rand) string {
	words := make([]string, 3+rng.IntN(3))
	for i := range words {
		words[i] = fx.vocabulary[rng.IntN(len(fx.vocabulary))]
	}
	return strings.Join(words, " ")
}

// reportLatency reports the median and 99th percentile of the iterations.
func reportLatency(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	at := func(p float64) float64 {
		return float64(samples[int(p*float64(len(samples)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkRecallEmbedded measures Service.Recall (embed the query, vector
// search, load rows, score, record the access for the next batched write)
// on SQLite with the embedded index.
// The target is p99 ≤ 10 ms at 100k memories. "search-only" isolates the
// in-memory vector search.
func BenchmarkRecallEmbedded(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"10k", 10_000}, {"100k", 100_000}} {
		var fx *benchFixture
		fixture := func(sub *testing.B) *benchFixture {
			if fx == nil {
				fx = newBenchFixture(sub, b, size.n)
				b.Logf("%s: index loaded in %v", size.name, fx.loadTime)
			}
			return fx
		}
		for _, mode := range []struct {
			name   string
			filter func(fx *benchFixture, rng *rand.Rand) memory.Filter
		}{
			{"one-character", func(fx *benchFixture, rng *rand.Rand) memory.Filter {
				return memory.Filter{CharacterID: fx.characters[rng.IntN(len(fx.characters))]}
			}},
			{"all-characters", func(*benchFixture, *rand.Rand) memory.Filter { return memory.Filter{} }},
		} {
			b.Run(size.name+"/"+mode.name, func(b *testing.B) {
				fx := fixture(b)
				rng := rand.New(rand.NewPCG(7, 7))
				samples := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for b.Loop() {
					q := memory.Query{Text: fx.query(rng), Filter: mode.filter(fx, rng), Limit: 5}
					began := time.Now()
					if _, err := fx.svc.Recall(context.Background(), q); err != nil {
						b.Fatal(err)
					}
					samples = append(samples, time.Since(began))
				}
				reportLatency(b, samples)
			})
		}
		b.Run(size.name+"/search-only", func(b *testing.B) {
			fx := fixture(b)
			emb, _ := memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension)
			rng := rand.New(rand.NewPCG(8, 8))
			vectors, _ := emb.Embed(context.Background(), []string{fx.query(rng)})
			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				began := time.Now()
				if _, err := fx.vs.Search(context.Background(), vectors[0], memory.Filter{}, 20); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(began))
			}
			reportLatency(b, samples)
		})
	}
}

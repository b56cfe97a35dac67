package main

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/memory"
)

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestDenseVectorsAreDeterministicUnitAndDense(t *testing.T) {
	for _, v := range [][]float32{denseMemoryVector(5), denseQueryVector(3, 5), denseVector("any other text")} {
		if len(v) != denseDim {
			t.Fatalf("%d dimensions, want %d", len(v), denseDim)
		}
		if n := norm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("norm %f, want 1", n)
		}
		if slices.Contains(v, 0) {
			t.Error("a component is zero; an embedding model's vector has none")
		}
	}
	if !slices.Equal(denseMemoryVector(5), denseMemoryVector(5)) || !slices.Equal(denseVector("x"), denseVector("x")) {
		t.Error("vectors are not a function of their input")
	}
	if slices.Equal(denseVector("x"), denseVector("y")) {
		t.Error("two texts have the same vector")
	}
	if !slices.Equal(denseVector(denseMemoryText(42)), denseMemoryVector(42)) {
		t.Error("a memory's text does not embed to its vector")
	}
	if !slices.Equal(denseVector(denseQueryText(7, 42)), denseQueryVector(7, 42)) {
		t.Error("a query's text does not embed to its vector")
	}
	// A query is close to its target, as the report says.
	if c := dot(denseQueryVector(7, 42), denseMemoryVector(42)); c < 0.9 || c > 0.97 {
		t.Errorf("cosine of a query and its target %.3f, want about 0.94", c)
	}
}

func TestMemoryIndexReadsOnlyMemoryTags(t *testing.T) {
	if i, ok := memoryIndex(denseMemoryText(1234)); !ok || i != 1234 {
		t.Errorf("memoryIndex(%q) = %d, %v", denseMemoryText(1234), i, ok)
	}
	for _, text := range []string{denseQueryText(1, 2), "plain text", "x [m]", "x [m-3]", "x [mabc]"} {
		if i, ok := memoryIndex(text); ok {
			t.Errorf("memoryIndex(%q) = %d, want none", text, i)
		}
	}
}

// The words of a query's tag must give BM25 no hint of its target.
func TestQueryTagWordsAreInNoMemory(t *testing.T) {
	words := map[string]bool{}
	for i := range 2000 {
		for _, tok := range memory.Tokenize(denseMemoryText(i)) {
			words[tok.Text] = true
		}
	}
	for q := range 50 {
		target := denseTarget(q, 2000)
		tag := strings.TrimPrefix(denseQueryText(q, target), queryText(q))
		for _, tok := range memory.Tokenize(tag) {
			if words[tok.Text] {
				t.Errorf("query %d's tag %q has the word %q of a memory", q, tag, tok.Text)
			}
		}
	}
}

// The server embeds through its own OpenAI-compatible client; the vectors it
// gets from the endpoint must be exactly those the benchmark preloads and
// compares with.
func TestEndpointGivesTheVectorsToTheServersClient(t *testing.T) {
	e, err := startEmbeddingsServer()
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	emb, err := memory.NewOpenAIEmbedder(ctx, memory.EmbeddingConfig{Provider: memory.ProviderOpenAI, BaseURL: e.baseURL,
		Model: denseModel, Dimensions: denseDim, BatchSize: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{denseMemoryText(3), denseQueryText(9, 3), "dimension probe"}
	got, err := emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		if !slices.Equal(got[i], denseVector(text)) {
			t.Errorf("the endpoint's vector of %q differs from denseVector's", text)
		}
	}
	if d := e.takeDurations(); len(d) != 2 {
		t.Errorf("%d requests recorded, want 2 (batches of 2)", len(d))
	}
	bad, err := memory.NewOpenAIEmbedder(ctx, memory.EmbeddingConfig{Provider: memory.ProviderOpenAI, BaseURL: e.baseURL,
		Model: denseModel, Dimensions: 384, BatchSize: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Embed(ctx, texts[:1]); err == nil {
		t.Error("the endpoint answered a request for 384 dimensions")
	}
}

func TestExactTopKIsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, dim, characters, k = 300, 16, 3, 10
	random := func(rows int) *vectors {
		v := &vectors{dim: dim}
		for range rows {
			x := make([]float32, dim)
			for d := range x {
				x[d] = float32(r.NormFloat64())
			}
			v.add(normalize(x))
		}
		return v
	}
	memories, queries := random(n), random(20)
	queryCharacters := make([]int, queries.len())
	for q := range queryCharacters {
		queryCharacters[q] = q % characters
	}
	got := exactTopK(memories, queries, queryCharacters, characters, k)
	for q := range queries.len() {
		var ids []int
		for i := queryCharacters[q]; i < n; i += characters {
			ids = append(ids, i)
		}
		sort.SliceStable(ids, func(a, b int) bool {
			return dot(queries.row(q), memories.row(ids[a])) > dot(queries.row(q), memories.row(ids[b]))
		})
		if !slices.Equal(got[q], ids[:k]) {
			t.Errorf("query %d: top %d %v, want %v", q, k, got[q], ids[:k])
		}
	}
	if r := recallAtK(got, got, k); r != 1 {
		t.Errorf("recall of the exact lists against themselves %f", r)
	}
}

func TestRecallAtK(t *testing.T) {
	exact := [][]int{{1, 2, 3, 4}, {5, 6}, {}}
	found := [][]int{{4, 3, 9, 8}, nil, {1}}
	// Query 0 finds 2 of 4, query 1 nothing, query 2 has no exact list.
	if got := recallAtK(found, exact, 4); got != 0.25 {
		t.Errorf("recall %f, want 0.25", got)
	}
	// Only the first k found count.
	if got := recallAtK([][]int{{9, 9, 1, 2}}, [][]int{{1, 2}}, 2); got != 0 {
		t.Errorf("recall %f, want 0", got)
	}
}

func TestDenseFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want denseMode
	}{{nil, denseAlso}, {[]string{"-dense"}, denseOnly}, {[]string{"-dense=true"}, denseOnly}, {[]string{"-dense=false"}, denseNever}} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if o.dense != tc.want {
			t.Errorf("%v: mode %d, want %d", tc.args, o.dense, tc.want)
		}
	}
	if _, err := parseFlags([]string{"-dense=maybe"}, io.Discard); err == nil {
		t.Error("-dense=maybe accepted")
	}
}

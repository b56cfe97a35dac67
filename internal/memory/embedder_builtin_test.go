package memory_test

import (
	"math"
	"slices"
	"testing"

	"github.com/mojin/charsim/internal/memory"
)

func builtin(t *testing.T, dim int) *memory.BuiltinEmbedder {
	t.Helper()
	e, err := memory.NewBuiltinEmbedder(dim)
	if err != nil {
		t.Fatalf("NewBuiltinEmbedder(%d): %v", dim, err)
	}
	return e
}

func embed(t *testing.T, e memory.Embedder, texts ...string) [][]float32 {
	t.Helper()
	vs, err := e.Embed(t.Context(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(vs) != len(texts) {
		t.Fatalf("Embed returned %d vectors for %d texts", len(vs), len(texts))
	}
	return vs
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

func TestBuiltinEmbedderIsDeterministicAndNormalised(t *testing.T) {
	a := builtin(t, memory.DefaultBuiltinDimension)
	b := builtin(t, memory.DefaultBuiltinDimension)
	if a.Name() != "builtin" || a.Dimension() != 256 {
		t.Fatalf("Name/Dimension = %q/%d, want builtin/256", a.Name(), a.Dimension())
	}
	text := "Alice met the travelling merchant at the crossroads inn."
	va, vb := embed(t, a, text)[0], embed(t, b, text)[0]
	if !slices.Equal(va, vb) {
		t.Fatal("two embedders produced different vectors for the same text")
	}
	if len(va) != 256 {
		t.Fatalf("vector has %d dimensions, want 256", len(va))
	}
	var norm float64
	for _, x := range va {
		norm += float64(x) * float64(x)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Fatalf("squared norm = %v, want 1", norm)
	}
}

func TestBuiltinEmbedderIgnoresCaseAndPunctuation(t *testing.T) {
	e := builtin(t, 128)
	vs := embed(t, e, "Hello, World! The café is open.", "hello world -- the CAFÉ is open")
	if !slices.Equal(vs[0], vs[1]) {
		t.Fatal("case and punctuation changed the vector")
	}
}

func TestBuiltinEmbedderFindsSharedWording(t *testing.T) {
	e := builtin(t, memory.DefaultBuiltinDimension)
	memories := []string{
		"Alice loves eating pizza with extra cheese on Fridays.",
		"Bob went fishing at the lake on Sunday and caught nothing.",
		"The dragon attacked the northern village at dawn.",
		"Mira promised to teach the user how to brew healing potions.",
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"What food does Alice like? pizza?", 0},
		{"did bob catch any fish in the lake", 1},
		{"dragon attack", 2},
		{"the healing potion lesson Mira promised", 3},
		{"who was attacked by dragons", 2}, // inflections overlap through trigrams
	} {
		vs := embed(t, e, append([]string{tc.query}, memories...)...)
		best, bestSim := -1, -2.0
		for i, m := range vs[1:] {
			if sim := cosine(vs[0], m); sim > bestSim {
				best, bestSim = i, sim
			}
		}
		if best != tc.want {
			t.Errorf("query %q matched %q best, want %q", tc.query, memories[best], memories[tc.want])
		}
	}
}

func TestBuiltinEmbedderEdgeCases(t *testing.T) {
	e := builtin(t, 64)
	vs := embed(t, e, "", "?!... ---", "the", "日本語のテキスト")
	for _, x := range vs[0] {
		if x != 0 {
			t.Fatal("empty text did not embed to the zero vector")
		}
	}
	if !slices.Equal(vs[0], vs[1]) {
		t.Fatal("punctuation-only text should embed like empty text")
	}
	if slices.Equal(vs[2], vs[0]) {
		t.Fatal("a text of only stopwords must still embed to something")
	}
	if slices.Equal(vs[3], vs[0]) {
		t.Fatal("non-Latin text embedded to the zero vector")
	}
	if got := embed(t, e); len(got) != 0 {
		t.Fatalf("Embed of no texts returned %d vectors", len(got))
	}
	for _, dim := range []int{0, -1, 70000} {
		if _, err := memory.NewBuiltinEmbedder(dim); err == nil {
			t.Errorf("NewBuiltinEmbedder(%d) succeeded", dim)
		}
	}
}

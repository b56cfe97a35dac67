package memory

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/cespare/xxhash/v2"
)

// Feature weights of the builtin embedder. Whole words carry the meaning;
// word pairs reward shared phrasing; character trigrams let inflections
// ("eat", "eating") and typos still overlap.
const (
	unigramWeight = 1.0
	bigramWeight  = 0.5
	trigramWeight = 0.25
)

// stopwords are so common that sharing them says nothing about two texts.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by did do does for from had has have
		he her him his i if in into is it its me my of on or our s she so t than that the their them
		then there these they this to was we were what when where which who whom why will with you your`) {
		m[w] = true
	}
	return m
}()

// BuiltinEmbedder is an offline, deterministic embedder: feature hashing of
// word unigrams, word bigrams and character trigrams into a signed vector,
// L2-normalised. It needs no model download, and texts that share wording
// get similar vectors, which is what recall needs without an embedding server.
type BuiltinEmbedder struct {
	dim int
}

// NewBuiltinEmbedder returns a builtin embedder producing dim-dimensional vectors.
func NewBuiltinEmbedder(dim int) (*BuiltinEmbedder, error) {
	if dim < 1 || dim > maxEmbeddingDimension {
		return nil, fmt.Errorf("builtin embedder: EMBEDDING_DIMENSIONS must be between 1 and %d, got %d", maxEmbeddingDimension, dim)
	}
	return &BuiltinEmbedder{dim: dim}, nil
}

// Name is "builtin".
func (e *BuiltinEmbedder) Name() string { return ProviderBuiltin }

// Dimension is the vector size.
func (e *BuiltinEmbedder) Dimension() int { return e.dim }

// Embed embeds each text. A text without any word embeds to the zero vector.
func (e *BuiltinEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = e.embed(t)
	}
	return out, nil
}

func (e *BuiltinEmbedder) embed(text string) []float32 {
	v := make([]float32, e.dim)
	words := contentWords(text)
	for i, w := range words {
		e.add(v, "w:"+w, unigramWeight)
		if i > 0 {
			e.add(v, "b:"+words[i-1]+" "+w, bigramWeight)
		}
		r := []rune("^" + w + "$")
		for j := 0; j+3 <= len(r); j++ {
			e.add(v, "c:"+string(r[j:j+3]), trigramWeight)
		}
	}
	normalize(v)
	return v
}

// add hashes a feature to a dimension; the hash's top bit picks the sign so
// that collisions cancel out on average instead of piling up.
func (e *BuiltinEmbedder) add(v []float32, feature string, weight float32) {
	h := xxhash.Sum64String(feature)
	if h>>63 == 1 {
		weight = -weight
	}
	v[h%uint64(e.dim)] += weight
}

// contentWords lowercases text, splits it on everything that is not a letter
// or digit, and drops stopwords unless nothing else is left.
func contentWords(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	content := make([]string, 0, len(words))
	for _, w := range words {
		if !stopwords[w] {
			content = append(content, w)
		}
	}
	if len(content) == 0 {
		return words
	}
	return content
}

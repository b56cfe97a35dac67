package memory

import (
	"context"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// Feature weights of the builtin embedder. Whole words and CJK characters
// and pairs carry the meaning; the character trigrams of words let near
// matches overlap ("eat", "eating"; names misspelt), which BM25 over whole
// words cannot. Tuned with `make bench-recall`: trigrams as heavy as words
// and no word pairs (which BM25's terms already cover) gave the best
// vectors, R@10 +1.5 to +3.5 pp over trigrams a quarter as heavy with pairs.
const (
	unigramWeight = 1.0
	trigramWeight = 1.0
	cjkCharWeight = 1.0
)

// builtinVersion numbers the builtin embedder's features. Vectors embedded
// by another version are not comparable: a change here makes every server
// re-embed its memories at start (see reembed.go). Version 1 split text on
// non-letters only; version 2 used the shared tokenizer (CJK unigrams and
// bigrams, folded accents, emoji); version 3 adds its English stemming,
// heavier trigrams and no word pairs.
const builtinVersion = "3"

// BuiltinEmbedder is an offline, deterministic embedder: feature hashing of
// words, CJK characters and pairs, and character trigrams into a signed vector,
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

// Version is the version of the embedder's features.
func (e *BuiltinEmbedder) Version() string { return builtinVersion }

func (e *BuiltinEmbedder) embed(text string) []float32 {
	return e.EmbedTokens(Tokenize(text), nil)
}

// EmbedTokens embeds tokenized text, each token's features scaled by its
// weight (all 1 when weights is nil). Recall weighs a query's tokens by
// their IDF among the character's memories (see Service.queryVector): the
// stored vectors stay plain, and the query then counts a rare shared word
// for more than a common one (and a word no memory has not at all).
func (e *BuiltinEmbedder) EmbedTokens(tokens []Token, weights []float64) []float32 {
	v := make([]float32, e.dim)
	for i, t := range tokens {
		w := float32(1)
		if weights != nil {
			w = float32(weights[i])
		}
		switch t.Kind {
		case TokenWord:
			e.add(v, "w:"+t.Text, w*unigramWeight)
			r := []rune("^" + t.Text + "$")
			for j := 0; j+3 <= len(r); j++ {
				e.add(v, "c:"+string(r[j:j+3]), w*trigramWeight)
			}
		case TokenCJK:
			e.add(v, "w:"+t.Text, w*cjkCharWeight)
		default: // CJK pairs and symbols are whole terms
			e.add(v, "w:"+t.Text, w*unigramWeight)
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

package memory

import (
	"slices"

	"github.com/cespare/xxhash/v2"
)

// With Qdrant, the lexical ranking is Qdrant's own: every point carries a
// sparse vector of its text's terms, and the collection's IDF modifier
// multiplies each term by its inverse document frequency at query time, so
// that dot product is BM25. The document side holds BM25's term-frequency
// saturation, with the length normalisation against a fixed average
// document length (Qdrant has no per-collection average to offer); the
// query side holds the query-term weight. Unlike the embedded index, IDF is
// over the whole collection rather than per character.
//
// A term's index is the low 32 bits of its xxhash: collisions between two
// terms of 2^32 are rare enough to ignore.

// sparseAverageLength is the assumed average memory length, in tokens.
const sparseAverageLength = 24

func termIndex(term string) uint32 { return uint32(xxhash.Sum64String(term)) }

// sparseDocument is the sparse vector of a memory's text.
func sparseDocument(text string) (indices []uint32, values []float32) {
	tokens := Tokenize(text)
	norm := bm25K1 * (1 - bm25B + bm25B*float64(len(tokens))/sparseAverageLength)
	return sparseVector(tokens, func(tf float64) float64 { return tf * (bm25K1 + 1) / (tf + norm) })
}

// sparseQuery is the sparse vector of a query.
func sparseQuery(text string) (indices []uint32, values []float32) {
	return sparseVector(Tokenize(text), func(qtf float64) float64 { return qtf * (bm25K3 + 1) / (bm25K3 + qtf) })
}

// sparseVector counts the tokens' terms and weighs each count, in index order.
func sparseVector(tokens []Token, weight func(count float64) float64) ([]uint32, []float32) {
	counts := map[uint32]float64{}
	for _, t := range tokens {
		counts[termIndex(t.Text)]++
	}
	indices := make([]uint32, 0, len(counts))
	for i := range counts {
		indices = append(indices, i)
	}
	slices.Sort(indices)
	values := make([]float32, len(indices))
	for i, idx := range indices {
		values[i] = float32(weight(counts[idx]))
	}
	return indices, values
}

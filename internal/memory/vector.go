package memory

import (
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// normalize scales v to unit length in place, so that cosine similarity is a
// dot product. The zero vector stays zero.
func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// normalized returns a unit-length copy of v.
func normalized(v []float32) []float32 {
	c := append([]float32(nil), v...)
	normalize(c)
	return c
}

// dot is the inner product of two equally long vectors, through BLAS
// (SIMD assembly on amd64 and arm64): this is the whole cost of an embedded search.
func dot(a, b []float32) float32 {
	return blas32.Dot(blas32.Vector{N: len(a), Inc: 1, Data: a}, blas32.Vector{N: len(a), Inc: 1, Data: b})
}

package memory

import "math"

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

// dot is the inner product of two equally long vectors. Four independent
// accumulators let the CPU overlap the multiply-adds; this loop is the whole
// cost of an embedded search.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

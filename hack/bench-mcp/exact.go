package main

import (
	"runtime"
	"sync"
)

// vectors is a row-major matrix of float32 vectors of one dimension.
type vectors struct {
	dim  int
	data []float32
}

func (v *vectors) len() int            { return len(v.data) / v.dim }
func (v *vectors) row(i int) []float32 { return v.data[i*v.dim : (i+1)*v.dim] }
func (v *vectors) add(x []float32)     { v.data = append(v.data, x...) }

// exactTopK returns, for each query, the indexes of the k memories with the
// largest dot product (the cosine similarity: every vector is a unit vector)
// among the memories of the query's character, best first, by brute force.
// Memory i belongs to character i % characters; equal scores rank the lower
// index first. The queries are split over the CPUs.
func exactTopK(memories, queries *vectors, queryCharacters []int, characters, k int) [][]int {
	out := make([][]int, queries.len())
	workers := min(runtime.GOMAXPROCS(0), max(1, queries.len()))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for q := w; q < queries.len(); q += workers {
				out[q] = topK(memories, queries.row(q), queryCharacters[q], characters, k)
			}
		})
	}
	wg.Wait()
	return out
}

// topK scans the memories of one character for the k best matches of query.
func topK(memories *vectors, query []float32, character, characters, k int) []int {
	best := make([]int, 0, k+1)
	scores := make([]float32, 0, k+1)
	for i := character; i < memories.len(); i += characters {
		s := dot(query, memories.row(i))
		if len(best) == k && s <= scores[k-1] {
			continue
		}
		at := len(best)
		for at > 0 && scores[at-1] < s {
			at--
		}
		best = append(best[:at], append([]int{i}, best[at:]...)...)
		scores = append(scores[:at], append([]float32{s}, scores[at:]...)...)
		if len(best) > k {
			best, scores = best[:k], scores[:k]
		}
	}
	return best
}

// dot is the dot product of two vectors of the same length.
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
	return (s0 + s1) + (s2 + s3)
}

// recallAtK is the mean, over queries, of the share of the exact top k
// (or of all of it, when it is shorter) that found's first k contain.
// found[q] may be shorter than k, or missing (nil), which counts as nothing
// found; a query with an empty exact list is skipped.
func recallAtK(found, exact [][]int, k int) float64 {
	var sum float64
	counted := 0
	for q, want := range exact {
		want = want[:min(k, len(want))]
		if len(want) == 0 {
			continue
		}
		counted++
		if q >= len(found) {
			continue
		}
		got := found[q][:min(k, len(found[q]))]
		in := make(map[int]bool, len(got))
		for _, id := range got {
			in[id] = true
		}
		hits := 0
		for _, id := range want {
			if in[id] {
				hits++
			}
		}
		sum += float64(hits) / float64(len(want))
	}
	if counted == 0 {
		return 0
	}
	return sum / float64(counted)
}

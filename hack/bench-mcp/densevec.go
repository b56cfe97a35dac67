package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Dense vectors: the shape an embedding model (Ollama, OpenAI) gives, 768
// dimensions with every component non-zero, generated instead of computed.
// A vector is a pure function of its text, so the benchmark's embeddings
// endpoint (the server embeds queries through it) and the preload (which
// stores the memories' vectors directly) agree without sharing state.
//
// Memories are grouped around denseClusters random centres, as real
// embeddings group by topic: memory i is normalise(centre + noise), so two
// memories of a cluster have a cosine of about 1/(1+denseSpread²) = 0.5 and
// two others about 0 (±0.036 at 768 dimensions). Query q is a noisy copy of
// one memory, its target, so its exact top 10 is the target (cosine ≈ 0.94)
// and then the target's cluster mates (≈ 0.47), ranked by small differences
// that an approximate search can get wrong.
const (
	denseDim        = 768
	denseClusters   = 256
	denseSpread     = 1.0
	denseQueryNoise = 0.35
)

// Stream constants keep the random sequences of centres, memories, queries
// and other texts apart.
const (
	streamCentre = 0x63656e74
	streamMemory = 0x6d656d6f
	streamQuery  = 0x71756572
	streamText   = 0x74657874
	streamTarget = 0x74617267
)

// denseMemoryText is memory i's text in the dense mode: the corpus sentence
// and a tag naming i, which makes texts unique and lets the endpoint give the
// memory's vector.
func denseMemoryText(i int) string { return fmt.Sprintf("%s [m%d]", memoryText(i), i) }

// denseQueryText is query q's text, tagged with its target memory, so that
// the endpoint can give the query's vector from the text alone. The tag's
// words ("q5", "t123") are in no memory's text, so that BM25, in the runs
// that fuse it, gets no hint of the target from them.
func denseQueryText(q, target int) string {
	return fmt.Sprintf("%s [q%d t%d]", queryText(q), q, target)
}

// denseTarget is the memory query q is a noisy copy of, among n.
func denseTarget(q, n int) int { return int(splitmix(uint64(q)^streamTarget) % uint64(n)) }

// denseVector is the embedding of text: a memory's or a query's vector when
// the text carries their tag, else a random unit vector seeded by the text.
func denseVector(text string) []float32 {
	if i, ok := memoryIndex(text); ok {
		return denseMemoryVector(i)
	}
	if at := strings.LastIndex(text, " [q"); at >= 0 {
		var q, target int
		if n, err := fmt.Sscanf(text[at:], " [q%d t%d]", &q, &target); err == nil && n == 2 && q >= 0 && target >= 0 {
			return denseQueryVector(q, target)
		}
	}
	v := make([]float32, denseDim)
	gaussian(v, fnv64(text), streamText, 1)
	return normalize(v)
}

// denseMemoryVector is memory i's vector.
func denseMemoryVector(i int) []float32 {
	v := make([]float32, denseDim)
	cluster := splitmix(uint64(i)) % denseClusters
	gaussian(v, cluster, streamCentre, 1/math.Sqrt(denseDim))
	gaussian(v, uint64(i), streamMemory, denseSpread/math.Sqrt(denseDim))
	return normalize(v)
}

// denseQueryVector is query q's vector: its target's plus noise.
func denseQueryVector(q, target int) []float32 {
	v := denseMemoryVector(target)
	gaussian(v, uint64(q), streamQuery, denseQueryNoise/math.Sqrt(denseDim))
	return normalize(v)
}

// gaussian adds scale·N(0,1) to every component of v, from the sequence
// (seed, stream). With scale 1/√dim the added vector has a norm of about 1.
func gaussian(v []float32, seed, stream uint64, scale float64) {
	r := rand.New(rand.NewPCG(seed, stream))
	for d := range v {
		v[d] += float32(r.NormFloat64() * scale)
	}
}

// normalize scales v to unit length in place and returns it.
func normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := 1 / math.Sqrt(sum)
	for d := range v {
		v[d] = float32(float64(v[d]) * inv)
	}
	return v
}

// splitmix is SplitMix64's finaliser: a well-mixed hash of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// fnv64 is the 64-bit FNV-1a hash of s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

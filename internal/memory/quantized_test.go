package memory

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// The packed multiplication must give exactly the integer dot product of the
// codes, for every dimension (padding included) and for extreme codes.
func TestCodeScoreIsTheExactIntegerDotProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dim := range []int{1, 7, 8, 13, 64, 256, 1536} {
		for trial := range 50 {
			v, q := make([]float32, dim), make([]float32, dim)
			for i := range v {
				switch trial {
				case 0: // every code at +63: the largest lane sums
					v[i], q[i] = 1, 1
				case 1: // every code at -63
					v[i], q[i] = -1, -1
				case 2: // opposite signs
					v[i], q[i] = 1, -1
				default:
					v[i], q[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				}
			}
			words := make([]uint64, codeWords(dim))
			s := quantize(words, v)
			vc, _ := roundCodes(v)
			qcodes, _ := roundCodes(q)
			var want int64
			for i := range vc {
				want += int64(vc[i]) * int64(qcodes[i])
			}
			qc := newQueryCodes(q)
			got := qc.score(words, s)
			if wantScore := s.scale * float32(want); got != wantScore {
				t.Fatalf("dim %d trial %d: score %v, want scale·Σac = %v (Σac = %d)", dim, trial, got, wantScore, want)
			}
		}
	}
}

// The code score, rescaled by both vectors' scales, is close to the float
// dot product: each code is off by at most half a level.
func TestCodeScoreApproximatesTheDotProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const dim = 256
	for range 200 {
		v, q := make([]float32, dim), make([]float32, dim)
		for i := range v {
			v[i], q[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		normalize(v)
		normalize(q)
		words := make([]uint64, codeWords(dim))
		s := quantize(words, v)
		_, qs := roundCodes(q)
		qc := newQueryCodes(q)
		approx := float64(qc.score(words, s) * qs.scale)
		if exact := float64(dot(q, v)); math.Abs(approx-exact) > 0.02 {
			t.Fatalf("approximate dot %v, exact %v", approx, exact)
		}
	}
}

func TestCodesOfDegenerateVectors(t *testing.T) {
	for _, v := range [][]float32{
		make([]float32, 9),
		{float32(math.NaN()), 1, 2},
		{float32(math.Inf(1)), 0, 0},
	} {
		words := make([]uint64, codeWords(len(v)))
		s := quantize(words, v)
		if s != (codeScale{}) {
			t.Errorf("%v: scale %+v, want zero", v, s)
		}
		q := newQueryCodes([]float32{1, 0, 0, 0, 0, 0, 0, 0, 0}[:len(v)])
		if got := q.score(words, s); got != 0 {
			t.Errorf("%v: score %v, want 0", v, got)
		}
	}
}

// BenchmarkScan compares one search of n random 256-dimensional vectors
// through the codes with a plain float32 scan of the same vectors (what
// the index did before it had codes).
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		const dim = 256
		rng := rand.New(rand.NewPCG(9, 9))
		x := newFlatIndex(dim)
		v := make([]float32, dim)
		for i := range n {
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			x.put(store.MemoryVector{MemoryID: strconv.Itoa(i), CharacterID: "c", Vector: v})
		}
		q := make([]float32, dim)
		for j := range q {
			q[j] = float32(rng.NormFloat64())
		}
		normalize(q)
		b.Run(strconv.Itoa(n)+"/codes", func(b *testing.B) {
			for b.Loop() {
				x.search(q, Filter{}, 20)
			}
		})
		b.Run(strconv.Itoa(n)+"/float32", func(b *testing.B) {
			for b.Loop() {
				top := &topK{k: 20, meta: x.meta}
				for slot := range int32(n) {
					top.offer(candidate{slot: slot, sim: dot(q, x.vector(slot))})
				}
			}
		})
	}
}

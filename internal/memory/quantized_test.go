package memory

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// codesOf returns v's codes as stored (rounded, unbiased) and its scale.
func codesOf(t *testing.T, v []float32) ([]int8, float32) {
	t.Helper()
	block := make([]uint64, blockLen(len(v)))
	scale := writeCodes(block, 0, v)
	codes := make([]int8, len(v))
	for d := range codes {
		codes[d] = int8(int64(codeAt(block, d, 0)) - codeBias)
	}
	return codes, scale
}

// The packed multiplications must give exactly the integer dot product of
// the codes, for every dimension count and position in a block, and for
// extreme codes (the fullest lanes).
func TestBlockScoreIsTheExactIntegerDotProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dim := range []int{1, 7, 8, 13, 64, 256, 1536} {
		for trial := range 20 {
			q := make([]float32, dim)
			block := make([]uint64, blockLen(dim))
			vectors := make([][]float32, blockSize)
			for i := range vectors {
				v := make([]float32, dim)
				for d := range v {
					switch trial {
					case 0: // every code at +63: the largest lane sums
						v[d], q[d] = 1, 1
					case 1: // every code at -63
						v[d], q[d] = -1, -1
					case 2: // opposite signs
						v[d], q[d] = 1, -1
					default:
						v[d], q[d] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
					}
				}
				vectors[i] = v
				writeCodes(block, i, v)
			}
			qc := newQueryCodes(q)
			qcodes, _ := roundCodes(q)
			var dots [blockSize]int64
			qc.scoreBlock(block, &dots)
			for i, v := range vectors {
				vcodes, _ := codesOf(t, v)
				var want int64
				for d := range vcodes {
					want += int64(vcodes[d]) * int64(qcodes[d])
				}
				if dots[i] != want {
					t.Fatalf("dim %d trial %d vector %d: block score %d, want Σac = %d", dim, trial, i, dots[i], want)
				}
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
		block := make([]uint64, blockLen(dim))
		scale := writeCodes(block, 5, v)
		_, qscale := roundCodes(q)
		var dots [blockSize]int64
		qc := newQueryCodes(q)
		qc.scoreBlock(block, &dots)
		approx := float64(scale * float32(dots[5]) * qscale)
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
		codes, scale := codesOf(t, v)
		if scale != 0 || slices.ContainsFunc(codes, func(c int8) bool { return c != 0 }) {
			t.Errorf("%v: codes %v, scale %v, want zeros", v, codes, scale)
		}
		if q := newQueryCodes(v); len(q.dims) != 0 || q.bias != 0 {
			t.Errorf("%v: query codes %+v, want none", v, q)
		}
	}
}

// BenchmarkScan compares one search of n random 256-dimensional vectors
// through the codes with a plain float32 scan of the same vectors (what the
// index did before it had codes), for a dense query (an embedding model's)
// and for the builtin embedding of a short question, which sets about one
// dimension in ten and so reads that share of the codes.
func BenchmarkScan(b *testing.B) {
	const dim = 256
	emb, err := NewBuiltinEmbedder(dim)
	if err != nil {
		b.Fatal(err)
	}
	builtin, err := emb.Embed(b.Context(), []string{"what happened to the red lantern at the harbor?"})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	dense := make([]float32, dim)
	for j := range dense {
		dense[j] = float32(rng.NormFloat64())
	}
	normalize(dense)
	for _, n := range []int{10_000, 100_000} {
		x := newFlatIndex(dim)
		v := make([]float32, dim)
		for i := range n {
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			x.put(store.MemoryVector{MemoryID: strconv.Itoa(i), CharacterID: "c", Vector: v})
		}
		for _, query := range []struct {
			name   string
			vector []float32
		}{{"dense", dense}, {"builtin", builtin[0]}} {
			b.Run(strconv.Itoa(n)+"/"+query.name+"/codes", func(b *testing.B) {
				for b.Loop() {
					x.search(query.vector, Filter{}, 20)
				}
			})
		}
		b.Run(strconv.Itoa(n)+"/float32", func(b *testing.B) {
			for b.Loop() {
				top := &topK{k: 20}
				for _, p := range x.partitions {
					for i := range int32(p.len()) {
						top.offer(candidate{p: p, position: i, sim: dot(dense, p.vector(i))})
					}
				}
			}
		})
	}
}

package memory

import "math"

// The embedded index finds candidates with a compact copy of every vector:
// 7-bit integer codes, a quarter of the float32 size, scored with integer
// multiplications that each handle four codes (pure Go has no vector
// instructions to do this otherwise).
//
// The codes are stored by column, in blocks of blockSize vectors: for each
// dimension, blockWords words hold the codes of the block's vectors, one
// byte each. A query multiplies each column word by its own code for that
// dimension, four vectors per multiplication (the even bytes, then the odd
// ones, as 16-bit lanes), so a dimension where the query's code is zero
// costs nothing. The builtin embedder gives a short query about one
// dimension in ten, so a recall reads a tenth of the codes; a dense query
// (an embedding model's) costs what a scan by row would.
//
// Codes are 7 bits (-63..63), stored biased by +64 as 1..127 so that lanes
// are non-negative: a product of a stored code and a query magnitude stays
// below 2¹³, and laneSums of them add up in a 16-bit lane before it is
// widened into a 32-bit one, which holds the sums of far more dimensions
// than the 2¹⁶ an embedding may have. Each vector is scaled by its own
// largest component before rounding: unit vector components are around
// 1/√dim, so one fixed scale would leave them only a few levels.

const (
	// codeLevels is the largest code magnitude.
	codeLevels = 63
	// codeBias makes stored codes non-negative.
	codeBias = 64
	// blockSize is the number of vectors whose codes are stored together.
	// A query reads, for each of its dimensions, that dimension's column of
	// every block: blockSize bytes in a row. At 64 (one cache line) a
	// builtin query of ~28 dimensions jumped to a new line 44k times per
	// 100k vectors and waited on memory; at 256, four lines in a row, the
	// prefetcher keeps up. Recall p99 at 100k memories of one character in
	// `make bench-mcp` went from 11.2–12.1 ms to 7.2–9.3 ms on SQLite (4
	// runs each) and from 11.7 to 8.5 ms on PostgreSQL. The price: a
	// partition (a character) holds at least one block, 256·dim·5 bytes
	// (320 KiB at 256 dimensions, 1.9 MiB at 1536), of which up to 255
	// vectors' worth is unused.
	blockSize = 256
	// blockWords is the number of words of one dimension in a block.
	blockWords = blockSize / 8
	// evenLanes selects bytes 0, 2, 4, 6 of a word into four 16-bit lanes.
	evenLanes = 0x00ff00ff00ff00ff
	// laneSums is how many products a 16-bit lane holds: 8·127·63 < 2¹⁶.
	laneSums = 8
)

// blockLen is the number of words of a block of dim-dimensional codes.
func blockLen(dim int) int { return dim * blockWords }

// roundCodes rounds v to integers in -codeLevels..codeLevels, scaled by its
// largest absolute component, and returns that scale (zero for a zero or
// non-finite vector, whose codes are all zero).
func roundCodes(v []float32) ([]int8, float32) {
	var peak float32
	for _, x := range v {
		peak = max(peak, abs32(x))
	}
	out := make([]int8, len(v))
	if peak == 0 || math.IsNaN(float64(peak)) || math.IsInf(float64(peak), 0) {
		return out, 0
	}
	for i, x := range v {
		out[i] = int8(max(-codeLevels, min(codeLevels, math.Round(float64(x/peak*codeLevels)))))
	}
	return out, peak / codeLevels
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// writeCodes stores the codes of v as vector i (0..blockSize-1) of block and
// returns its scale.
func writeCodes(block []uint64, i int, v []float32) float32 {
	codes, scale := roundCodes(v)
	for d, c := range codes {
		setCode(block, d, i, uint64(int64(c)+codeBias))
	}
	return scale
}

// moveCodes copies the codes of vector from of block src to vector to of dst.
func moveCodes(dst []uint64, to int, src []uint64, from, dim int) {
	for d := range dim {
		setCode(dst, d, to, codeAt(src, d, from))
	}
}

func codeAt(block []uint64, d, i int) uint64 {
	return block[d*blockWords+i/8] >> (8 * (i % 8)) & 0xff
}

func setCode(block []uint64, d, i int, stored uint64) {
	w, shift := &block[d*blockWords+i/8], 8*(i%8)
	*w = *w&^(0xff<<shift) | stored<<shift
}

// queryCodes is a query vector prepared for scoring blocks: the dimensions
// where its code is not zero, positive ones first, with their magnitudes.
type queryCodes struct {
	dims      []int
	levels    []uint64
	positives int
	// bias is the stored codes' bias times the sum of the query's codes:
	// Σ(a+bias)·c = Σa·c + bias·Σc.
	bias int64
}

func newQueryCodes(q []float32) queryCodes {
	codes, _ := roundCodes(q)
	var qc queryCodes
	for _, positive := range []bool{true, false} {
		for d, c := range codes {
			if c == 0 || (c > 0) != positive {
				continue
			}
			qc.dims = append(qc.dims, d)
			qc.levels = append(qc.levels, uint64(max(c, -c)))
			qc.bias += codeBias * int64(c)
		}
		if positive {
			qc.positives = len(qc.dims)
		}
	}
	return qc
}

// scoreBlock sets dots[i] to the integer dot product of the query's codes
// with those of vector i of block. Scaled by the vector's scale it
// approximates the dot product of the two vectors up to the query's own
// (positive) scale, which does not change a ranking.
func (q *queryCodes) scoreBlock(block []uint64, dots *[blockSize]int64) {
	var positive, negative laneSums32
	q.addColumns(block, &positive, 0, q.positives)
	q.addColumns(block, &negative, q.positives, len(q.dims))
	for w := range blockWords {
		for k, first := range [4]int{0, 2, 1, 3} {
			p, n := positive[w][k], negative[w][k]
			dots[8*w+first] = int64(p&0xffffffff) - int64(n&0xffffffff) - q.bias
			dots[8*w+first+4] = int64(p>>32) - int64(n>>32) - q.bias
		}
	}
}

// laneSums32 holds a block's sums in 32-bit lanes: for each word of a
// column, its bytes 0 and 4, 2 and 6, 1 and 5, 3 and 7.
type laneSums32 [blockWords][4]uint64

// lanes32 selects the 16-bit lanes 0 and 2 of a word as two 32-bit lanes.
const lanes32 = 0x0000ffff0000ffff

// addColumns adds the query's magnitudes times the stored codes of the
// query's dimensions lo..hi to sums: laneSums dimensions at a time into
// 16-bit lanes, which are then widened into sums; half a block at a time,
// so that the eight 16-bit lane sums stay in registers.
func (q *queryCodes) addColumns(block []uint64, sums *laneSums32, lo, hi int) {
	for start := lo; start < hi; start += laneSums {
		end := min(start+laneSums, hi)
		dims, levels := q.dims[start:end], q.levels[start:end]
		levels = levels[:len(dims)] // one bounds check, not one per dimension
		for half := 0; half < blockWords; half += 4 {
			var e0, e1, e2, e3, o0, o1, o2, o3 uint64
			for k, d := range dims {
				c := (*[4]uint64)(block[d*blockWords+half:])
				level := levels[k]
				e0 += (c[0] & evenLanes) * level
				o0 += (c[0] >> 8 & evenLanes) * level
				e1 += (c[1] & evenLanes) * level
				o1 += (c[1] >> 8 & evenLanes) * level
				e2 += (c[2] & evenLanes) * level
				o2 += (c[2] >> 8 & evenLanes) * level
				e3 += (c[3] & evenLanes) * level
				o3 += (c[3] >> 8 & evenLanes) * level
			}
			widen(&sums[half], e0, o0)
			widen(&sums[half+1], e1, o1)
			widen(&sums[half+2], e2, o2)
			widen(&sums[half+3], e3, o3)
		}
	}
}

// widen adds the 16-bit lane sums of a word's even and odd bytes to its
// 32-bit lane sums.
func widen(sums *[4]uint64, even, odd uint64) {
	sums[0] += even & lanes32
	sums[1] += even >> 16 & lanes32
	sums[2] += odd & lanes32
	sums[3] += odd >> 16 & lanes32
}

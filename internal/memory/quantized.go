package memory

import "math"

// The embedded index finds candidates with a compact copy of every vector:
// 7-bit integer codes, a quarter of the float32 size. Scanning 100k vectors
// of 256 dimensions reads 26 MB instead of 102 MB, and a float32 scan is
// bound by memory bandwidth (it runs four times faster from cache).
//
// Codes are 7 bits (-63..63, stored biased by +64 as 1..127) rather than
// 8 because the dot product multiplies four pairs at once in one 64-bit
// multiplication, which needs each sum of four products to fit in 16 bits
// (4·127² < 2¹⁶); pure Go has no vector instructions to do this otherwise.
// Each vector is scaled by its own largest component before rounding: unit
// vector components are around 1/√dim, so one fixed scale would leave them
// only a few levels.

const (
	// codeLevels is the largest code magnitude.
	codeLevels = 63
	// codeBias makes codes non-negative, so that products cannot borrow
	// across the 16-bit lanes.
	codeBias = 64
	// codesPerWord is how many codes one uint64 holds.
	codesPerWord = 8
	// evenLanes selects bytes 0, 2, 4, 6 of a word into four 16-bit lanes.
	evenLanes = 0x00ff00ff00ff00ff
)

// codeWords is the number of words that hold the codes of a dim-dimensional vector.
func codeWords(dim int) int { return (dim + codesPerWord - 1) / codesPerWord }

// codeScale is what turns a vector's integer dot product back into its scale.
type codeScale struct {
	// scale is the vector's largest absolute component over codeLevels.
	scale float32
	// sum is the sum of the vector's unbiased codes, to remove the bias.
	sum int32
}

// quantize writes the biased codes of v into words (codeWords(len(v))
// long; padding dimensions get the code 0) and returns its scale. The
// codes of little-endian byte j of word i belong to dimension 8i+j.
func quantize(words []uint64, v []float32) codeScale {
	codes, s := roundCodes(v)
	for i := range words {
		var w uint64
		for j := range codesPerWord {
			w |= uint64(codeAt(codes, i*codesPerWord+j)+codeBias) << (8 * j)
		}
		words[i] = w
	}
	return s
}

// roundCodes rounds v to integers in -codeLevels..codeLevels, scaled by its
// largest absolute component.
func roundCodes(v []float32) ([]int8, codeScale) {
	var peak float32
	for _, x := range v {
		peak = max(peak, abs32(x))
	}
	out := make([]int8, len(v))
	if peak == 0 || math.IsNaN(float64(peak)) || math.IsInf(float64(peak), 0) {
		return out, codeScale{}
	}
	var sum int32
	for i, x := range v {
		c := int8(max(-codeLevels, min(codeLevels, math.Round(float64(x/peak*codeLevels)))))
		out[i] = c
		sum += int32(c)
	}
	return out, codeScale{scale: peak / codeLevels, sum: sum}
}

func codeAt(codes []int8, i int) int64 {
	if i < len(codes) {
		return int64(codes[i])
	}
	return 0
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// queryCodes is a query vector prepared for scoring codes: for each code
// word, its even and odd dimensions as four 16-bit lanes in reverse order,
// so that the top lane of (lanes of a word) × (reversed lanes of the query)
// is the sum of the four products.
type queryCodes struct {
	even, odd []uint64
	// offset removes the bias from a raw dot product:
	// Σ(a+b)(c+b) = Σac + b·Σa + b·Σc + n·b².
	offset int64
}

func newQueryCodes(q []float32) queryCodes {
	codes, s := roundCodes(q)
	n := codeWords(len(q))
	qc := queryCodes{even: make([]uint64, n), odd: make([]uint64, n)}
	for i := range n {
		for lane := range 4 {
			shift := 16 * (3 - lane)
			qc.even[i] |= uint64(codeAt(codes, i*codesPerWord+2*lane)+codeBias) << shift
			qc.odd[i] |= uint64(codeAt(codes, i*codesPerWord+2*lane+1)+codeBias) << shift
		}
	}
	qc.offset = codeBias*int64(s.sum) + int64(n*codesPerWord)*codeBias*codeBias
	return qc
}

// score approximates the dot product of the query with a coded vector, up
// to the query's own (positive) scale, which does not change the ranking.
func (q *queryCodes) score(words []uint64, s codeScale) float32 {
	n := len(q.even)
	words, even, odd := words[:n], q.even[:n], q.odd[:n]
	// Two words per step with two sums, so that the multiplications of
	// neighbouring words overlap.
	var raw0, raw1 uint64
	for i := 1; i < n; i += 2 {
		raw0 += lanesDot(words[i-1], even[i-1], odd[i-1])
		raw1 += lanesDot(words[i], even[i], odd[i])
	}
	if n%2 == 1 {
		raw0 += lanesDot(words[n-1], even[n-1], odd[n-1])
	}
	dot := int64(raw0+raw1) - q.offset - codeBias*int64(s.sum)
	return s.scale * float32(dot)
}

// lanesDot is the dot product of the eight codes of word w with a query
// word's even and odd lanes. In each product the lower lanes' cross terms
// stay below bit 48 and the higher ones overflow out of the word, so bits
// 48..63 are exactly the sum of the four matching products.
func lanesDot(w, even, odd uint64) uint64 {
	return ((w&evenLanes)*even)>>48 + (((w>>8)&evenLanes)*odd)>>48
}

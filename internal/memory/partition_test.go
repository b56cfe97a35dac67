package memory

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestPartitionChunks grows a partition over several chunks, shrinks it back
// across chunk boundaries (with collections in between, which free dropped
// chunks), and grows it again: every position keeps exactly its vector and
// codes, and the partition holds one chunk per started block.
func TestPartitionChunks(t *testing.T) {
	const dim = 5
	p := &partition{dim: dim}
	want := map[string][]float32{} // by ID
	vec := func(n int) []float32 {
		v := make([]float32, dim)
		for d := range v {
			v[d] = float32((n*7+d*3)%11) - 5
		}
		normalize(v)
		return v
	}
	add := func(n int) {
		id := fmt.Sprint("m", n)
		v := vec(n)
		p.add(v, vectorMeta{id: id})
		want[id] = v
	}
	check := func(stage string) {
		t.Helper()
		runtime.GC() // a freed chunk still in use would show up now
		if got, blocks := p.blocks(), (p.len()+blockSize-1)/blockSize; got != blocks {
			t.Fatalf("%s: %d chunks for %d vectors, want %d", stage, got, p.len(), blocks)
		}
		if p.len() != len(want) {
			t.Fatalf("%s: %d vectors, want %d", stage, p.len(), len(want))
		}
		for i := range p.len() {
			m := p.meta[i]
			if got := p.vector(int32(i)); fmt.Sprint(got) != fmt.Sprint(want[m.id]) {
				t.Fatalf("%s: position %d (%s) holds %v, want %v", stage, i, m.id, got, want[m.id])
			}
			codes, scale := roundCodes(want[m.id])
			for d, c := range codes {
				if got := int64(codeAt(p.block(i/blockSize), d, i%blockSize)) - codeBias; got != int64(c) {
					t.Fatalf("%s: position %d dimension %d has code %d, want %d", stage, i, d, got, c)
				}
			}
			if p.scales[i] != scale {
				t.Fatalf("%s: position %d has scale %v, want %v", stage, i, p.scales[i], scale)
			}
		}
	}

	for n := range 3*blockSize + 5 {
		add(n)
	}
	check("grown")
	// Remove from the front (the last vector moves into each hole) until
	// two chunks have been dropped.
	for p.len() > blockSize+3 {
		delete(want, p.meta[0].id)
		p.remove(0)
	}
	check("shrunk")
	for n := 1000; n < 1000+blockSize; n++ {
		add(n)
	}
	check("grown again")
	for p.len() > 0 {
		delete(want, p.meta[p.len()-1].id)
		p.remove(int32(p.len() - 1))
	}
	check("emptied")
}

// TestOffHeapLowersTheMemoryLimit: with a memory limit set, the chunks' bytes
// come off it (the runtime does not see them), in steps, and go back when
// the chunks are freed; without a limit nothing is set.
func TestOffHeapLowersTheMemoryLimit(t *testing.T) {
	offHeap.add(0) // the package's own account reads the limit before this test sets one
	const limit = 1 << 30
	before := debug.SetMemoryLimit(limit)
	defer debug.SetMemoryLimit(before)

	a := &offHeapAccount{}
	a.add(limitStep / 2)
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("after half a step the limit is %d, want it unchanged at %d", got, limit)
	}
	a.add(limitStep * 2)
	if got, want := debug.SetMemoryLimit(-1), int64(limit-limitStep*5/2); got != want {
		t.Errorf("with %d bytes off the heap the limit is %d, want %d", a.bytes, got, want)
	}
	a.add(-limitStep * 5 / 2)
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("with the chunks freed the limit is %d, want %d again", got, limit)
	}
	a.add(limit) // more than the limit: the heap keeps a quarter
	if got := debug.SetMemoryLimit(-1); got != limit/4 {
		t.Errorf("with more off the heap than the limit, the limit is %d, want a quarter, %d", got, limit/4)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	none := &offHeapAccount{}
	none.add(limitStep * 3)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("without a limit, the account set one: %d", got)
	}
}

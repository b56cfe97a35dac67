package memory

import (
	"runtime"
	"unsafe"
)

// chunk holds the vectors of one block of a partition (blockSize of them):
// their codes (see quantized.go) and their float32 components, in one
// piece of memory outside the Go heap.
//
// Why off the heap: the vectors are nearly all of the index's memory (at
// 100k × 256 dimensions, 98 MB of floats and 24 MB of codes against some
// 40 MB for everything else), and the Go collector lets the heap grow to
// twice what is live before it collects. On the heap, the vectors alone
// would make a server hold about twice their size; here they count once,
// and the heap that the collector paces is the small rest. Chunks of one
// block also mean that growing a partition never copies its vectors (an
// append that doubles an array holds both copies for a while).
//
// A chunk's memory is freed by a cleanup when the chunk becomes
// unreachable, so the slices into it must never outlive the chunk: the
// index only hands out copies (see EmbeddedStore.Vectors), and searches
// read them under the store's read lock, while the index holds its chunks.
type chunk struct {
	codes   []uint64  // blockLen(dim) words
	vectors []float32 // blockSize·dim components, vector i at [i·dim, (i+1)·dim)
}

// newChunk allocates the zeroed chunk of a block of dim-dimensional vectors.
func newChunk(dim int) *chunk {
	codeBytes := blockLen(dim) * 8
	mem, err := allocOffHeap(codeBytes + blockSize*dim*4)
	if err != nil {
		// As when the heap cannot grow: the server cannot hold the index.
		panic(err)
	}
	base := unsafe.Pointer(unsafe.SliceData(mem))
	c := &chunk{
		codes:   unsafe.Slice((*uint64)(base), blockLen(dim)),
		vectors: unsafe.Slice((*float32)(unsafe.Add(base, codeBytes)), blockSize*dim),
	}
	runtime.AddCleanup(c, freeOffHeap, mem)
	return c
}

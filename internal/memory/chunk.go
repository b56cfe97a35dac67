package memory

import (
	"math"
	"runtime"
	"runtime/debug"
	"sync"
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
// The Go runtime's memory limit (GOMEMLIMIT, which the operator sets to the
// container's memory limit) does not see memory outside the heap, so the
// limit is lowered by what the chunks hold (see offHeap): the heap then
// still collects in time for the container to stay within its own limit.
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
	offHeap.add(len(mem))
	base := unsafe.Pointer(unsafe.SliceData(mem))
	c := &chunk{
		codes:   unsafe.Slice((*uint64)(base), blockLen(dim)),
		vectors: unsafe.Slice((*float32)(unsafe.Add(base, codeBytes)), blockSize*dim),
	}
	runtime.AddCleanup(c, func(mem []byte) {
		freeOffHeap(mem)
		offHeap.add(-len(mem))
	}, mem)
	return c
}

// offHeap counts the bytes the chunks hold and keeps the runtime's memory
// limit, if one is set, that much below the limit it was given.
var offHeap offHeapAccount

// limitStep is how far the off-heap total moves before the memory limit is
// set again: setting it is not free, and a chunk is at most a few MiB
// (256 vectors of 1536 dimensions).
const limitStep = 4 << 20

type offHeapAccount struct {
	mu      sync.Mutex
	bytes   int64
	applied int64 // bytes when the limit was last set
	limit   int64 // the limit the process started with; MaxInt64 is none
	read    bool
}

func (a *offHeapAccount) add(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.read {
		a.limit, a.read = debug.SetMemoryLimit(-1), true // -1 reads it
	}
	a.bytes += int64(n)
	if a.limit == math.MaxInt64 || abs64(a.bytes-a.applied) < limitStep {
		return
	}
	a.applied = a.bytes
	// Leave the heap at least a quarter of the limit: below that the
	// collector would run without pause and the server stop serving; the
	// container is then simply too small for its vectors.
	debug.SetMemoryLimit(max(a.limit-a.bytes, a.limit/4))
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

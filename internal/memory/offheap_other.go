//go:build !unix

package memory

import "unsafe"

// allocOffHeap allocates on the Go heap where there is no mmap; the memory
// is word-aligned, as the chunks' codes need.
func allocOffHeap(n int) ([]byte, error) {
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), n), nil
}

// freeOffHeap leaves the memory to the garbage collector.
func freeOffHeap([]byte) {}

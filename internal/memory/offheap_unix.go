//go:build unix

package memory

import (
	"fmt"
	"syscall"
)

// allocOffHeap maps n bytes of zeroed anonymous memory outside the Go heap.
func allocOffHeap(n int) ([]byte, error) {
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("map %d bytes for vectors: %w", n, err)
	}
	return mem, nil
}

// freeOffHeap unmaps memory from allocOffHeap.
func freeOffHeap(mem []byte) { _ = syscall.Munmap(mem) } // only fails for memory it did not map

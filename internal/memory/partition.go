package memory

import "slices"

// partition holds the vectors of one character, because nearly every recall
// is about one character: position i has its unit vector and its codes in
// chunk i/blockSize (see chunk.go and quantized.go), its code scale and its
// metadata. Removal moves the last vector into the hole, so positions stay
// dense. A partition allocates a chunk at a time: up to blockSize-1
// vectors' worth is unused.
type partition struct {
	dim    int
	chunks []*chunk
	scales []float32
	meta   []vectorMeta
}

func (p *partition) len() int { return len(p.meta) }

func (p *partition) blocks() int { return len(p.chunks) }

func (p *partition) vector(i int32) []float32 {
	off := int(i) % blockSize * p.dim
	return p.chunks[int(i)/blockSize].vectors[off : off+p.dim : off+p.dim]
}

func (p *partition) block(b int) []uint64 { return p.chunks[b].codes }

// add appends the unit vector v and returns its position.
func (p *partition) add(v []float32, m vectorMeta) int32 {
	i := int32(p.len())
	if int(i)%blockSize == 0 {
		p.chunks = append(p.chunks, newChunk(p.dim))
	}
	p.scales = append(p.scales, 0)
	p.meta = append(p.meta, m)
	p.set(i, v, m)
	return i
}

// compact reallocates the partition's arrays to their length. Appending
// grows an array by up to twice what it holds; after the bulk load at start
// the spare capacity of every partition would stay resident.
func (p *partition) compact() {
	p.chunks = slices.Clone(p.chunks)
	p.scales = slices.Clone(p.scales)
	p.meta = slices.Clone(p.meta)
}

// set replaces the vector at position i with the unit vector v.
func (p *partition) set(i int32, v []float32, m vectorMeta) {
	copy(p.vector(i), v)
	p.scales[i] = writeCodes(p.block(int(i)/blockSize), int(i)%blockSize, v)
	p.meta[i] = m
}

// remove deletes the vector at position i by moving the last one there and
// returns the metadata of the one moved, if any.
func (p *partition) remove(i int32) (moved vectorMeta, ok bool) {
	last := int32(p.len() - 1)
	if i != last {
		moved, ok = p.meta[last], true
		copy(p.vector(i), p.vector(last))
		moveCodes(p.block(int(i)/blockSize), int(i)%blockSize, p.block(int(last)/blockSize), int(last)%blockSize, p.dim)
		p.scales[i] = p.scales[last]
		p.meta[i] = moved
	}
	p.meta[last] = vectorMeta{} // release the ID
	p.meta = p.meta[:last]
	p.scales = p.scales[:last]
	if int(last)%blockSize == 0 {
		// The last chunk is empty: dropping it frees it (see chunk.go).
		p.chunks[len(p.chunks)-1] = nil
		p.chunks = p.chunks[:len(p.chunks)-1]
	}
	return moved, ok
}

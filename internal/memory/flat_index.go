package memory

import (
	"container/heap"
	"runtime"
	"slices"
	"sync"

	"github.com/mojin/charsim/internal/store"
)

// minSlotsPerWorker is the scan size below which splitting a search across
// goroutines costs more than it saves.
const minSlotsPerWorker = 8192

// minRescored is the least number of candidates a search re-scores exactly.
const minRescored = 64

// flatIndex is an in-memory vector index: unit vectors in one contiguous
// slab (slot i at slab[i*dim:(i+1)*dim]), their 7-bit codes in another
// (see quantized.go), metadata per slot, and a posting list of slots per
// character, because nearly every recall is about one character. Deletion
// moves the last slot into the hole, so the slabs stay dense. Not safe for
// concurrent use; EmbeddedStore locks it.
//
// A search scans the codes, keeps the max(4·limit, 64) best candidates by
// their approximate score, and re-scores those exactly from the float32
// vectors. So the similarities returned are exact, and so is their order;
// what is approximate is only which vectors make the candidate list: a
// vector whose exact score is in the top limit but whose approximate score
// is not among the best candidates is missed. With 7-bit codes that is
// rare (the test compares with brute force), and when the filter leaves no
// more vectors than candidates the result is exact.
type flatIndex struct {
	dim         int
	words       int // code words per vector
	slab        []float32
	codes       []uint64
	scales      []codeScale
	meta        []vectorMeta
	slots       map[string]int32
	symbols     symbols
	byCharacter map[symbol][]int32
}

// vectorMeta is what a search filters on, with the filter fields interned.
type vectorMeta struct {
	id                             string
	character, user, channel, kind symbol
}

// slotFilter is a Filter's user, channel and kind as symbols (the character
// is filtered by posting list).
type slotFilter struct {
	user, channel, kind       symbol
	byUser, byChannel, byKind bool
}

func (m *vectorMeta) matches(f *slotFilter) bool {
	return (!f.byUser || f.user == m.user) &&
		(!f.byChannel || f.channel == m.channel) &&
		(!f.byKind || f.kind == m.kind)
}

// slotFilter translates f; ok is false when a value is used by no vector,
// so that nothing matches.
func (x *flatIndex) slotFilter(f Filter) (sf slotFilter, ok bool) {
	for _, field := range []struct {
		value string
		sym   *symbol
		set   *bool
	}{
		{f.UserID, &sf.user, &sf.byUser},
		{f.ChannelID, &sf.channel, &sf.byChannel},
		{string(f.Kind), &sf.kind, &sf.byKind},
	} {
		if field.value == "" {
			continue
		}
		if *field.sym, ok = x.symbols.lookup(field.value); !ok {
			return sf, false
		}
		*field.set = true
	}
	return sf, true
}

func newFlatIndex(dim int) *flatIndex {
	return &flatIndex{dim: dim, words: codeWords(dim), slots: map[string]int32{},
		symbols: newSymbols(), byCharacter: map[symbol][]int32{}}
}

func (x *flatIndex) len() int { return len(x.meta) }

func (x *flatIndex) vector(slot int32) []float32 {
	off := int(slot) * x.dim
	return x.slab[off : off+x.dim : off+x.dim]
}

func (x *flatIndex) code(slot int32) []uint64 {
	off := int(slot) * x.words
	return x.codes[off : off+x.words : off+x.words]
}

// put adds or replaces the vector of v.MemoryID, normalising it.
func (x *flatIndex) put(v store.MemoryVector) {
	m := vectorMeta{id: v.MemoryID, character: x.symbols.acquire(v.CharacterID), user: x.symbols.acquire(v.UserID),
		channel: x.symbols.acquire(v.ChannelID), kind: x.symbols.acquire(string(v.Kind))}
	slot, exists := x.slots[v.MemoryID]
	if exists {
		old := x.meta[slot]
		if old.character != m.character {
			x.unlist(old.character, slot)
			x.byCharacter[m.character] = append(x.byCharacter[m.character], slot)
		}
		x.release(old)
		x.meta[slot] = m
		copy(x.vector(slot), v.Vector)
	} else {
		slot = int32(len(x.meta))
		x.meta = append(x.meta, m)
		x.slab = append(x.slab, v.Vector...)
		x.codes = append(x.codes, make([]uint64, x.words)...)
		x.scales = append(x.scales, codeScale{})
		x.slots[m.id] = slot
		x.byCharacter[m.character] = append(x.byCharacter[m.character], slot)
	}
	normalize(x.vector(slot))
	x.scales[slot] = quantize(x.code(slot), x.vector(slot))
}

// remove deletes the vector of id, if present.
func (x *flatIndex) remove(id string) {
	slot, ok := x.slots[id]
	if !ok {
		return
	}
	last := int32(len(x.meta) - 1)
	x.unlist(x.meta[slot].character, slot)
	x.release(x.meta[slot])
	if slot != last {
		moved := x.meta[last]
		x.meta[slot] = moved
		copy(x.vector(slot), x.vector(last))
		copy(x.code(slot), x.code(last))
		x.scales[slot] = x.scales[last]
		x.slots[moved.id] = slot
		list := x.byCharacter[moved.character]
		list[slices.Index(list, last)] = slot
	}
	x.meta[last] = vectorMeta{} // release the ID
	x.meta = x.meta[:last]
	x.slab = x.slab[:int(last)*x.dim]
	x.codes = x.codes[:int(last)*x.words]
	x.scales = x.scales[:last]
	delete(x.slots, id)
}

// release gives back the symbols of a vector's metadata.
func (x *flatIndex) release(m vectorMeta) {
	for _, s := range [...]symbol{m.character, m.user, m.channel, m.kind} {
		x.symbols.release(s)
	}
}

// unlist removes slot from a character's posting list (order is irrelevant).
func (x *flatIndex) unlist(character symbol, slot int32) {
	list := x.byCharacter[character]
	if i := slices.Index(list, slot); i >= 0 {
		list[i] = list[len(list)-1]
		list = list[:len(list)-1]
	}
	if len(list) == 0 {
		delete(x.byCharacter, character)
	} else {
		x.byCharacter[character] = list
	}
}

// search returns the limit best matches of the unit vector q: candidates
// by code score, then exact re-scoring (see flatIndex). Large scans are
// split across GOMAXPROCS goroutines, each keeping its own candidates.
func (x *flatIndex) search(q []float32, f Filter, limit int) []Hit {
	var list []int32 // nil: every slot
	n := len(x.meta)
	if f.CharacterID != "" {
		character, ok := x.symbols.lookup(f.CharacterID)
		if !ok {
			return nil
		}
		list = x.byCharacter[character]
		n = len(list)
	}
	sf, ok := x.slotFilter(f)
	if n == 0 || !ok {
		return nil
	}
	qc := newQueryCodes(q)
	kept := max(4*limit, minRescored)
	workers := min(runtime.GOMAXPROCS(0), (n+minSlotsPerWorker-1)/minSlotsPerWorker)
	tops := make([]*topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		tops[w] = &topK{k: kept, meta: x.meta}
		scan := func() { x.scan(&qc, &sf, list, lo, hi, tops[w]) }
		if workers == 1 {
			scan()
			continue
		}
		wg.Go(scan)
	}
	wg.Wait()

	// Every worker's candidates are re-scored: a few hundred dot products.
	exact := &topK{k: limit, meta: x.meta}
	for _, t := range tops {
		for _, c := range t.items {
			exact.offer(candidate{slot: c.slot, sim: dot(q, x.vector(c.slot))})
		}
	}
	slices.SortFunc(exact.items, func(a, b candidate) int {
		switch {
		case exact.worse(b, a):
			return -1
		case exact.worse(a, b):
			return 1
		}
		return 0
	})
	hits := make([]Hit, len(exact.items))
	for i, c := range exact.items {
		hits[i] = Hit{MemoryID: x.meta[c.slot].id, Similarity: max(-1, min(1, c.sim))}
	}
	return hits
}

// scan scores the codes of positions lo..hi of the candidates (list, or
// every slot when list is nil) into top.
func (x *flatIndex) scan(q *queryCodes, f *slotFilter, list []int32, lo, hi int, top *topK) {
	filtered := f.byUser || f.byChannel || f.byKind
	for i := lo; i < hi; i++ {
		slot := int32(i)
		if list != nil {
			slot = list[i]
		}
		if filtered && !x.meta[slot].matches(f) {
			continue
		}
		top.offer(candidate{slot: slot, sim: q.score(x.code(slot), x.scales[slot])})
	}
}

// candidate is a slot with its score: the code score while scanning, the
// exact similarity when re-scored.
type candidate struct {
	slot int32
	sim  float32
}

// topK keeps the k best candidates in a heap whose root is the worst of
// them, so most candidates are rejected by one comparison.
type topK struct {
	k     int
	items []candidate
	meta  []vectorMeta
}

// worse orders by similarity, then by memory ID so that ties are stable.
func (t *topK) worse(a, b candidate) bool {
	if a.sim != b.sim {
		return a.sim < b.sim
	}
	return t.meta[a.slot].id > t.meta[b.slot].id
}

func (t *topK) offer(c candidate) {
	if len(t.items) < t.k {
		heap.Push(t, c)
		return
	}
	if c.sim < t.items[0].sim { // the common case, without a call
		return
	}
	if t.worse(t.items[0], c) {
		t.items[0] = c
		heap.Fix(t, 0)
	}
}

func (t *topK) Len() int           { return len(t.items) }
func (t *topK) Less(i, j int) bool { return t.worse(t.items[i], t.items[j]) }
func (t *topK) Swap(i, j int)      { t.items[i], t.items[j] = t.items[j], t.items[i] }
func (t *topK) Push(x any)         { t.items = append(t.items, x.(candidate)) }
func (t *topK) Pop() any {
	last := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	return last
}

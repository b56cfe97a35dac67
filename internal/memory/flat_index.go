package memory

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/mojin/charsim/internal/store"
)

// minVectorsPerWorker is the scan size below which splitting a search across
// goroutines costs more than it saves.
const minVectorsPerWorker = 32768

// minRescored is the least number of candidates a search re-scores exactly.
const minRescored = 64

// flatIndex is an in-memory vector index: one partition of vectors per
// character (see partition.go), the place of every memory's vector, and
// the symbols of the metadata. Not safe for concurrent use; EmbeddedStore
// locks it.
//
// A search scores the codes of every vector that the filter lets through
// (see quantized.go), keeps the max(4·limit, 64) best candidates by their
// approximate score, and re-scores those exactly from the float32 vectors.
// So the similarities returned are exact, and so is their order; what is
// approximate is only which vectors make the candidate list: a vector
// whose exact score is in the top limit but whose approximate score is not
// among the best candidates is missed. With 7-bit codes that is rare (the
// test compares with brute force), and when the filter leaves no more
// vectors than candidates the result is exact.
//
// The lexical index of the same memories' texts lives beside it (lex, see
// lexical.go), so that one write, one load and one change log keep both.
type flatIndex struct {
	dim        int
	partitions map[symbol]*partition // by character
	places     map[string]place      // by memory ID
	symbols    symbols
	lex        lexicalIndex
}

// place is where a memory's vector is: its character's partition and its
// position there.
type place struct {
	character symbol
	position  int32
}

// vectorMeta is what a search filters on, with the filter fields interned
// and the time the memory occurred in Unix microseconds.
type vectorMeta struct {
	id                             string
	character, user, channel, kind symbol
	occurred                       int64
}

// metaFilter is a Filter's user, channel and kind as symbols (the character
// picks the partition), and its time bounds in Unix microseconds.
type metaFilter struct {
	user, channel, kind               symbol
	byUser, byChannel, byKind, byTime bool
	after, before                     int64
}

func (f *metaFilter) filters() bool { return f.byUser || f.byChannel || f.byKind || f.byTime }

func (m *vectorMeta) matches(f *metaFilter) bool {
	return (!f.byUser || f.user == m.user) &&
		(!f.byChannel || f.channel == m.channel) &&
		(!f.byKind || f.kind == m.kind) &&
		(!f.byTime || (m.occurred >= f.after && m.occurred <= f.before))
}

// metaFilter translates f; ok is false when a value is used by no vector,
// so that nothing matches.
func (x *flatIndex) metaFilter(f Filter) (sf metaFilter, ok bool) {
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
	if !f.After.IsZero() || !f.Before.IsZero() {
		sf.byTime, sf.after, sf.before = true, math.MinInt64, math.MaxInt64
		if !f.After.IsZero() {
			sf.after = f.After.UnixMicro()
		}
		if !f.Before.IsZero() {
			sf.before = f.Before.UnixMicro()
		}
	}
	return sf, true
}

func newFlatIndex(dim int) *flatIndex {
	return &flatIndex{dim: dim, partitions: map[symbol]*partition{}, places: map[string]place{}, symbols: newSymbols(), lex: newLexicalIndex()}
}

func (x *flatIndex) len() int { return len(x.places) }

// put adds or replaces the vector of v.MemoryID, normalising it, and
// indexes its text.
func (x *flatIndex) put(v store.MemoryVector) {
	m := vectorMeta{id: v.MemoryID, character: x.symbols.acquire(v.CharacterID), user: x.symbols.acquire(v.UserID),
		channel: x.symbols.acquire(v.ChannelID), kind: x.symbols.acquire(string(v.Kind)), occurred: occurredMicros(v)}
	x.lex.put(m, v.Text)
	unit := normalized(v.Vector)
	if at, exists := x.places[v.MemoryID]; exists {
		if at.character == m.character {
			p := x.partitions[at.character]
			x.release(p.meta[at.position])
			p.set(at.position, unit, m)
			return
		}
		x.removeVector(v.MemoryID) // it moves to another character's partition
	}
	p := x.partitions[m.character]
	if p == nil {
		p = &partition{dim: x.dim}
		x.partitions[m.character] = p
	}
	x.places[v.MemoryID] = place{character: m.character, position: p.add(unit, m)}
}

// holds reports whether the index has v already: the same metadata and the
// same unit vector.
func (x *flatIndex) holds(v store.MemoryVector) bool {
	at, ok := x.places[v.MemoryID]
	if !ok {
		return false
	}
	p := x.partitions[at.character]
	m, name := p.meta[at.position], x.symbols.names
	return name[m.character] == v.CharacterID && name[m.user] == v.UserID && name[m.channel] == v.ChannelID &&
		name[m.kind] == string(v.Kind) && m.occurred == occurredMicros(v) && x.lex.holds(v.MemoryID, v.Text) &&
		slices.Equal(p.vector(at.position), normalized(v.Vector))
}

// occurredMicros is when v's memory occurred, in Unix microseconds (0 when unknown).
func occurredMicros(v store.MemoryVector) int64 {
	if v.OccurredAt.IsZero() {
		return 0
	}
	return v.OccurredAt.UnixMicro()
}

// remove deletes the vector and the text of id, if present.
func (x *flatIndex) remove(id string) {
	x.lex.remove(id)
	x.removeVector(id)
}

func (x *flatIndex) removeVector(id string) {
	at, ok := x.places[id]
	if !ok {
		return
	}
	p := x.partitions[at.character]
	x.release(p.meta[at.position])
	if moved, ok := p.remove(at.position); ok {
		x.places[moved.id] = at
	}
	delete(x.places, id)
	if p.len() == 0 {
		delete(x.partitions, at.character)
	}
}

// release gives back the symbols of a vector's metadata.
func (x *flatIndex) release(m vectorMeta) {
	for _, s := range [...]symbol{m.character, m.user, m.channel, m.kind} {
		x.symbols.release(s)
	}
}

// scope returns the characters a search covers and the rest of its
// filter; ok is false when nothing can match.
func (x *flatIndex) scope(f Filter) (characters []symbol, sf metaFilter, ok bool) {
	if sf, ok = x.metaFilter(f); !ok {
		return nil, sf, false
	}
	if f.CharacterID != "" {
		// The symbol may exist for another field (a user ID equal to this
		// character's) while the character has no vectors.
		character, known := x.symbols.lookup(f.CharacterID)
		return []symbol{character}, sf, known
	}
	for c := range x.partitions {
		characters = append(characters, c)
	}
	return characters, sf, true
}

// searchText returns the limit best BM25 matches of query (see lexical.go);
// across characters, each is scored by its own statistics.
func (x *flatIndex) searchText(query string, f Filter, limit int) []TextHit {
	characters, sf, ok := x.scope(f)
	if !ok {
		return nil
	}
	var hits []TextHit
	for _, c := range characters {
		hits = append(hits, x.lex.search(query, c, &sf, limit)...)
	}
	if len(characters) > 1 {
		slices.SortFunc(hits, func(a, b TextHit) int {
			if a.Score != b.Score {
				return cmp.Compare(b.Score, a.Score)
			}
			return strings.Compare(a.MemoryID, b.MemoryID)
		})
		hits = hits[:min(limit, len(hits))]
	}
	return hits
}

// blockRef is one block of a partition, the unit of a search's work.
type blockRef struct {
	p     *partition
	block int
}

// search returns the limit best matches of the unit vector q: candidates
// by code score, then exact re-scoring (see flatIndex). Large scans are
// split across GOMAXPROCS goroutines, each keeping its own candidates.
func (x *flatIndex) search(q []float32, f Filter, limit int) []Hit {
	characters, sf, ok := x.scope(f)
	if !ok {
		return nil
	}
	var parts []*partition
	for _, c := range characters {
		if p := x.partitions[c]; p != nil {
			parts = append(parts, p)
		}
	}
	var blocks []blockRef
	n := 0
	for _, p := range parts {
		for b := range p.blocks() {
			blocks = append(blocks, blockRef{p, b})
		}
		n += p.len()
	}
	if n == 0 {
		return nil
	}
	qc := newQueryCodes(q)
	kept := max(4*limit, minRescored)
	workers := min(runtime.GOMAXPROCS(0), (n+minVectorsPerWorker-1)/minVectorsPerWorker)
	tops := make([]*topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		tops[w] = &topK{k: kept}
		part := blocks[len(blocks)*w/workers : len(blocks)*(w+1)/workers]
		scan := func() { scanBlocks(&qc, &sf, part, tops[w]) }
		if workers == 1 {
			scan()
			continue
		}
		wg.Go(scan)
	}
	wg.Wait()

	// Every worker's candidates are re-scored: a few hundred dot products.
	exact := &topK{k: limit}
	for _, t := range tops {
		for _, c := range t.items {
			c.sim = dot(q, c.p.vector(c.position))
			exact.offer(c)
		}
	}
	slices.SortFunc(exact.items, func(a, b candidate) int {
		switch {
		case b.worse(a):
			return -1
		case a.worse(b):
			return 1
		}
		return 0
	})
	hits := make([]Hit, len(exact.items))
	for i, c := range exact.items {
		hits[i] = Hit{MemoryID: c.p.meta[c.position].id, Similarity: max(-1, min(1, c.sim))}
	}
	return hits
}

// scanBlocks scores the codes of the blocks' vectors that pass f into top.
func scanBlocks(q *queryCodes, f *metaFilter, blocks []blockRef, top *topK) {
	var dots [blockSize]int64
	for _, ref := range blocks {
		p := ref.p
		q.scoreBlock(p.block(ref.block), &dots)
		first := ref.block * blockSize
		for i, dot := range dots[:min(blockSize, p.len()-first)] {
			position := int32(first + i)
			sim := p.scales[position] * float32(dot)
			if top.full() && sim < top.items[0].sim { // the common case, without a call
				continue
			}
			if f.filters() && !p.meta[position].matches(f) {
				continue
			}
			top.offer(candidate{p: p, position: position, sim: sim})
		}
	}
}

// candidate is a vector with its score: the code score while scanning, the
// exact similarity when re-scored.
type candidate struct {
	p        *partition
	position int32
	sim      float32
}

// worse orders by similarity, then by memory ID so that ties are stable.
func (c candidate) worse(than candidate) bool {
	if c.sim != than.sim {
		return c.sim < than.sim
	}
	return c.p.meta[c.position].id > than.p.meta[than.position].id
}

// topK keeps the k best candidates in a heap whose root is the worst of
// them, so most candidates are rejected by one comparison.
type topK struct {
	k     int
	items []candidate
}

func (t *topK) full() bool { return len(t.items) == t.k }

func (t *topK) offer(c candidate) {
	if !t.full() {
		t.items = append(t.items, c)
		t.up(len(t.items) - 1)
		return
	}
	if t.items[0].worse(c) {
		t.items[0] = c
		t.down(0)
	}
}

func (t *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !t.items[i].worse(t.items[parent]) {
			return
		}
		t.items[i], t.items[parent] = t.items[parent], t.items[i]
		i = parent
	}
}

func (t *topK) down(i int) {
	for {
		worst, left := i, 2*i+1
		if left < len(t.items) && t.items[left].worse(t.items[worst]) {
			worst = left
		}
		if right := left + 1; right < len(t.items) && t.items[right].worse(t.items[worst]) {
			worst = right
		}
		if worst == i {
			return
		}
		t.items[i], t.items[worst] = t.items[worst], t.items[i]
		i = worst
	}
}

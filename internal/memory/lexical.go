package memory

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
)

// The lexical side of recall in the embedded backend is an in-process
// inverted index with BM25 scoring, kept beside the vector index and fed by
// the same writes (and the same change log, so it follows other processes).
//
// Why not the databases' own full-text search: PostgreSQL's ts_rank has no
// IDF, so a rare shared word counts no more than a common one, which is the
// weakness this index exists to fix; SQLite's FTS5 has BM25 but its default
// tokenizer keeps a CJK run as one token, and a custom tokenizer cannot be
// registered through the pure-Go driver. Most of all, one implementation on
// both backends gives the same ranking on SQLite and PostgreSQL by
// construction, which the contract suite checks.
//
// Statistics are per character (N, document frequencies, average length):
// every recall is about one character, and one character's common words are
// not another's. Filters (user, channel, kind, time) then choose among the
// scored memories without changing their scores.

// BM25 constants: the usual k1 and b (Robertson and Zaragoza), and k3, the
// saturation of a term repeated in the query (long conversational queries
// repeat names).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	bm25K3 = 2.0
)

// lexicalIndex is the BM25 index of the memories' texts. Not safe for
// concurrent use; EmbeddedStore locks it with the vector index.
type lexicalIndex struct {
	terms      map[string]uint32 // the term dictionary; it only grows
	partitions map[symbol]*lexPartition
	places     map[string]lexPlace
}

// lexPartition holds one character's documents and postings. A removed
// document's slot is reused; its postings are removed at once, so a
// posting list's length is the term's document frequency.
type lexPartition struct {
	docs []lexDoc
	// lengths holds each document's length in terms, apart from docs:
	// scoring reads one per posting, and a lexDoc is too large to stream
	// through the cache.
	lengths  []float32
	free     []int32
	postings map[uint32][]posting
	live     int
	totalLen int64
}

type lexDoc struct {
	meta  vectorMeta
	hash  uint64   // of the text, to skip re-indexing an unchanged text
	terms []uint32 // distinct terms, to remove the postings
}

type posting struct {
	doc int32
	tf  uint16
}

type lexPlace struct {
	character symbol
	doc       int32
}

// TextHit is one lexical search result with its BM25 score (> 0).
type TextHit struct {
	MemoryID string
	Score    float64
}

func newLexicalIndex() lexicalIndex {
	return lexicalIndex{terms: map[string]uint32{}, partitions: map[symbol]*lexPartition{}, places: map[string]lexPlace{}}
}

// put indexes text as the document of m.id, replacing an earlier one. The
// metadata's symbols belong to the caller (the vector index holds them).
func (x *lexicalIndex) put(m vectorMeta, text string) {
	hash := xxhash.Sum64String(text)
	if at, ok := x.places[m.id]; ok {
		if at.character == m.character {
			d := &x.partitions[at.character].docs[at.doc]
			if d.hash == hash {
				d.meta = m
				return
			}
		}
		x.remove(m.id)
	}
	p := x.partitions[m.character]
	if p == nil {
		p = &lexPartition{postings: map[uint32][]posting{}}
		x.partitions[m.character] = p
	}
	counts := map[uint32]uint16{}
	length := int32(0)
	for _, t := range Tokenize(text) {
		id, ok := x.terms[t.Text]
		if !ok {
			id = uint32(len(x.terms))
			x.terms[t.Text] = id
		}
		if counts[id] < math.MaxUint16 {
			counts[id]++
		}
		length++
	}
	var slot int32
	if n := len(p.free); n > 0 {
		slot, p.free = p.free[n-1], p.free[:n-1]
	} else {
		slot = int32(len(p.docs))
		p.docs = append(p.docs, lexDoc{})
		p.lengths = append(p.lengths, 0)
	}
	d := lexDoc{meta: m, hash: hash, terms: make([]uint32, 0, len(counts))}
	for term, tf := range counts {
		d.terms = append(d.terms, term)
		p.postings[term] = append(p.postings[term], posting{doc: slot, tf: tf})
	}
	p.docs[slot] = d
	p.lengths[slot] = float32(length)
	p.live++
	p.totalLen += int64(length)
	x.places[m.id] = lexPlace{character: m.character, doc: slot}
}

// setMeta changes the metadata of an indexed document (its place moved in
// the vector index, or a filter field changed) without re-indexing it.
// compact reallocates the index's arrays to their length, as
// partition.compact does for the vectors: after a bulk load, the posting
// lists would keep up to twice their size in spare capacity.
func (x *lexicalIndex) compact() {
	for _, p := range x.partitions {
		p.docs = slices.Clone(p.docs)
		p.lengths = slices.Clone(p.lengths)
		for term, list := range p.postings {
			p.postings[term] = slices.Clone(list)
		}
	}
}

func (x *lexicalIndex) setMeta(m vectorMeta) {
	if at, ok := x.places[m.id]; ok && at.character == m.character {
		x.partitions[at.character].docs[at.doc].meta = m
	}
}

// holds reports whether the document of id has this text.
func (x *lexicalIndex) holds(id, text string) bool {
	at, ok := x.places[id]
	return ok && x.partitions[at.character].docs[at.doc].hash == xxhash.Sum64String(text)
}

// remove deletes the document of id, if present.
func (x *lexicalIndex) remove(id string) {
	at, ok := x.places[id]
	if !ok {
		return
	}
	delete(x.places, id)
	p := x.partitions[at.character]
	d := p.docs[at.doc]
	for _, term := range d.terms {
		list := p.postings[term]
		i := slices.IndexFunc(list, func(e posting) bool { return e.doc == at.doc })
		list[i] = list[len(list)-1]
		if list = list[:len(list)-1]; len(list) == 0 {
			delete(p.postings, term)
		} else {
			p.postings[term] = list
		}
	}
	p.docs[at.doc] = lexDoc{}
	p.totalLen -= int64(p.lengths[at.doc])
	p.lengths[at.doc] = 0
	p.free = append(p.free, at.doc)
	p.live--
	if p.live == 0 {
		delete(x.partitions, at.character)
	}
}

// idf is BM25's inverse document frequency of a term that df of the
// character's documents have.
func (p *lexPartition) idf(df int) float64 {
	n := float64(p.live)
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// termWeights returns the IDF of each term among the character's
// documents, or nil when the character has none. A term no document has
// weighs 0, not the highest IDF: long conversational queries are full of
// such words, and giving their trigrams the most weight made the vector
// ranking chase near spellings of them (bench-recall, vectors alone:
// MADial-Bench R@10 0.578 → 0.407 in English, 0.549 → 0.382 in Chinese).
func (x *lexicalIndex) termWeights(character symbol, terms []string) []float64 {
	p := x.partitions[character]
	if p == nil {
		return nil
	}
	out := make([]float64, len(terms))
	for i, t := range terms {
		if id, ok := x.terms[t]; ok && len(p.postings[id]) > 0 {
			out[i] = p.idf(len(p.postings[id]))
		}
	}
	return out
}

// scratch is a search's score accumulator, reused across searches.
type scratch struct {
	scores  []float64
	touched []int32
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// search returns the limit best BM25 matches of query among the documents
// of the partition that pass f, best first, ties by memory ID.
func (x *lexicalIndex) search(query string, character symbol, f *metaFilter, limit int) []TextHit {
	p := x.partitions[character]
	if p == nil || limit < 1 {
		return nil
	}
	queryTF := map[uint32]float64{}
	for _, t := range Tokenize(query) {
		if id, ok := x.terms[t.Text]; ok {
			queryTF[id]++
		}
	}
	if len(queryTF) == 0 {
		return nil
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if len(s.scores) < len(p.docs) {
		s.scores = make([]float64, len(p.docs))
	}
	s.touched = s.touched[:0]
	// BM25's length normalisation k1·(1 − b + b·len/avgLen) = base + perLen·len.
	avgLen := float64(p.totalLen) / float64(p.live)
	base, perLen := bm25K1*(1-bm25B), bm25K1*bm25B/avgLen
	for term, qtf := range queryTF {
		list := p.postings[term]
		if len(list) == 0 {
			continue
		}
		weight := p.idf(len(list)) * qtf * (bm25K3 + 1) / (bm25K3 + qtf)
		for _, e := range list {
			if s.scores[e.doc] == 0 {
				s.touched = append(s.touched, e.doc)
			}
			tf := float64(e.tf)
			norm := base + perLen*float64(p.lengths[e.doc])
			s.scores[e.doc] += weight * tf * (bm25K1 + 1) / (tf + norm)
		}
	}
	hits := make([]TextHit, 0, min(limit, len(s.touched)))
	worse := func(a, b TextHit) bool { // a ranks below b
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		return a.MemoryID > b.MemoryID
	}
	for _, doc := range s.touched {
		score := s.scores[doc]
		s.scores[doc] = 0
		if len(hits) == limit && score < hits[limit-1].Score {
			continue // decided without touching the document's (large) record
		}
		d := &p.docs[doc]
		if f.filters() && !d.meta.matches(f) {
			continue
		}
		h := TextHit{MemoryID: d.meta.id, Score: score}
		if len(hits) == limit {
			if !worse(hits[limit-1], h) {
				continue
			}
			hits = hits[:limit-1]
		}
		i, _ := slices.BinarySearchFunc(hits, h, func(e, t TextHit) int {
			if worse(e, t) {
				return 1
			}
			if worse(t, e) {
				return -1
			}
			return strings.Compare(e.MemoryID, t.MemoryID)
		})
		hits = slices.Insert(hits, i, h)
	}
	return hits
}

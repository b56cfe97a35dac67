package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mojin/charsim/internal/store"
)

// EmbeddedStore is the vector store used when no Qdrant is configured: the
// vectors are rows of the SQL store (so a memory and its vector are written
// in one transaction) and an in-memory index loaded at start answers searches
// by cosine similarity: candidates are found through compact 7-bit codes and
// re-scored exactly, so returned similarities are exact (see flatIndex). The
// index follows the writes of other processes on the same database within
// about a second (see follow.go).
type EmbeddedStore struct {
	st store.Store
	// writeMu serialises writers (including the follower), so the SQL rows
	// and the index see changes in the same order; searches only wait for
	// the short index update.
	writeMu sync.Mutex
	mu      sync.RWMutex
	idx     *flatIndex
	// applied is the number of the last vector change the index includes;
	// follower applies the ones after it. Both are guarded by writeMu.
	applied  int64
	follower *follower
}

// NewEmbeddedStore returns an embedded vector store over st. The index is
// loaded by EnsureCollection.
func NewEmbeddedStore(st store.Store) *EmbeddedStore {
	return &EmbeddedStore{st: st}
}

// Name is "embedded".
func (e *EmbeddedStore) Name() string { return "embedded" }

// EnsureCollection loads every stored vector into the index, checking that
// each has dim dimensions.
func (e *EmbeddedStore) EnsureCollection(ctx context.Context, dim int) error {
	if dim < 1 {
		return fmt.Errorf("embedded vector store: dimension must be positive, got %d", dim)
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if loaded := e.index(); loaded != nil {
		if loaded.dim != dim && loaded.len() > 0 {
			return embeddedMismatch(loaded.dim, dim)
		}
		if loaded.dim != dim {
			e.swap(newFlatIndex(dim))
		}
		return nil
	}
	fresh, last, err := e.load(ctx, dim, true)
	if err != nil {
		return fmt.Errorf("load embedded vector index: %w", err)
	}
	e.swap(fresh)
	e.applied = last
	e.startFollowing()
	return nil
}

func embeddedMismatch(have, want int) error {
	return fmt.Errorf("%w: the embedded vector store (in the SQL database) holds %d-dimensional vectors but the embedder produces %d; "+
		"run `charsimctl reindex` to re-embed every memory with the current embedder", ErrDimensionMismatch, have, want)
}

// Reset deletes every stored vector and starts an empty index of dim dimensions.
func (e *EmbeddedStore) Reset(ctx context.Context, dim int) error {
	if dim < 1 {
		return fmt.Errorf("embedded vector store: dimension must be positive, got %d", dim)
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	var ids []string
	if err := e.st.ScanVectors(ctx, func(v store.MemoryVector) error {
		ids = append(ids, v.MemoryID)
		return nil
	}); err != nil {
		return fmt.Errorf("reset embedded vector store: list vectors: %w", err)
	}
	if err := e.st.DeleteVectors(ctx, ids); err != nil {
		return fmt.Errorf("reset embedded vector store: %w", err)
	}
	e.swap(newFlatIndex(dim))
	return nil
}

// Upsert stores the vectors (normalised) and adds them to the index,
// replacing earlier vectors of the same memories.
func (e *EmbeddedStore) Upsert(ctx context.Context, vs []store.MemoryVector) error {
	if len(vs) == 0 {
		return nil
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	idx, err := e.loadedIndex()
	if err != nil {
		return err
	}
	unit := make([]store.MemoryVector, len(vs))
	for i, v := range vs {
		if err := checkVector(v, idx.dim); err != nil {
			return err
		}
		v.Vector = normalized(v.Vector)
		unit[i] = v
	}
	if err := e.st.UpsertVectors(ctx, unit); err != nil {
		return fmt.Errorf("embedded vector store: upsert: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range unit {
		idx.put(v)
	}
	return nil
}

// CreateMemory writes a memory row and its vector in one transaction, then
// indexes the vector. The Service uses it instead of CreateMemory + Upsert.
func (e *EmbeddedStore) CreateMemory(ctx context.Context, m store.Memory, vector []float32) (store.Memory, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	idx, err := e.loadedIndex()
	if err != nil {
		return store.Memory{}, err
	}
	if len(vector) != idx.dim {
		return store.Memory{}, vectorDimensionError(len(vector), idx.dim)
	}
	unit := normalized(vector)
	created, err := e.st.CreateMemoryWithVector(ctx, m, unit)
	if err != nil {
		return store.Memory{}, err
	}
	if created.Deduplicated {
		// The existing row keeps its vector, which the index already holds.
		return created, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	idx.put(vectorOf(created, unit))
	return created, nil
}

// Search returns the limit most similar vectors that match the filter.
func (e *EmbeddedStore) Search(_ context.Context, vector []float32, f Filter, limit int) ([]Hit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("embedded vector store: search limit must be positive, got %d", limit)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.idx == nil {
		return nil, errNotEnsured
	}
	if len(vector) != e.idx.dim {
		return nil, vectorDimensionError(len(vector), e.idx.dim)
	}
	return e.idx.search(normalized(vector), f, limit), nil
}

// SearchText returns the limit best BM25 matches of the query's terms that
// match the filter (see lexical.go).
func (e *EmbeddedStore) SearchText(_ context.Context, query string, f Filter, limit int) ([]TextHit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("embedded vector store: search limit must be positive, got %d", limit)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.idx == nil {
		return nil, errNotEnsured
	}
	return e.idx.searchText(query, f, limit), nil
}

// TermWeights returns the IDF of each term among the memories of
// f.CharacterID, or nil when it has none (see BuiltinEmbedder.EmbedTokens).
func (e *EmbeddedStore) TermWeights(f Filter, terms []string) []float64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.idx == nil || f.CharacterID == "" {
		return nil
	}
	character, ok := e.idx.symbols.lookup(f.CharacterID)
	if !ok {
		return nil
	}
	return e.idx.lex.termWeights(character, terms)
}

// Delete removes the vectors of these memories; unknown IDs are ignored.
func (e *EmbeddedStore) Delete(ctx context.Context, memoryIDs []string) error {
	if len(memoryIDs) == 0 {
		return nil
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if err := e.st.DeleteVectors(ctx, memoryIDs); err != nil {
		return fmt.Errorf("embedded vector store: delete: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.idx != nil {
		for _, id := range memoryIDs {
			e.idx.remove(id)
		}
	}
	return nil
}

// CountVectors counts the vector rows of the SQL store.
func (e *EmbeddedStore) CountVectors(ctx context.Context) (int64, error) {
	c, err := e.st.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("embedded vector store: count vectors: %w", err)
	}
	return c.Vectors, nil
}

// Ping checks the SQL store that holds the vectors.
func (e *EmbeddedStore) Ping(ctx context.Context) error {
	if err := e.st.Ping(ctx); err != nil {
		return fmt.Errorf("embedded vector store: %w", err)
	}
	return nil
}

// Close stops following the change log and drops the index; the SQL store
// belongs to the caller.
func (e *EmbeddedStore) Close() error {
	e.stopFollowing()
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.swap(nil)
	return nil
}

var errNotEnsured = errors.New("vector store: EnsureCollection has not been called")

func (e *EmbeddedStore) index() *flatIndex {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.idx
}

// loadedIndex returns the index for a writer holding writeMu (which keeps
// the pointer stable).
func (e *EmbeddedStore) loadedIndex() (*flatIndex, error) {
	if idx := e.index(); idx != nil {
		return idx, nil
	}
	return nil, errNotEnsured
}

func (e *EmbeddedStore) swap(idx *flatIndex) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.idx = idx
}

// checkVector validates a vector before it is stored.
func checkVector(v store.MemoryVector, dim int) error {
	switch {
	case v.MemoryID == "":
		return errors.New("vector store: memory_id is required")
	case v.CharacterID == "":
		return fmt.Errorf("vector store: memory %s: character_id is required", v.MemoryID)
	case len(v.Vector) != dim:
		return fmt.Errorf("vector store: memory %s: %w", v.MemoryID, vectorDimensionError(len(v.Vector), dim))
	}
	return nil
}

func vectorDimensionError(have, want int) error {
	return fmt.Errorf("%w: vector has %d dimensions, the collection %d", ErrDimensionMismatch, have, want)
}

// vectorOf is the vector record of a memory.
func vectorOf(m store.Memory, vector []float32) store.MemoryVector {
	return store.MemoryVector{
		MemoryID:    m.ID,
		CharacterID: m.CharacterID,
		UserID:      m.UserID,
		ChannelID:   m.ChannelID,
		Kind:        m.Kind,
		Vector:      vector,
		Text:        m.Text,
		OccurredAt:  m.OccurredAt,
	}
}

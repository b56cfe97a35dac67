// Package memory is a character's long-term vector memory. A Service ties
// together the SQL store (the memory rows), a VectorStore (embedded in the SQL
// store, or Qdrant) and an Embedder (builtin or OpenAI-compatible), keeps the
// two stores consistent, and ranks recall by relevance, recency and importance
// as in the Generative Agents paper.
package memory

import (
	"context"
	"errors"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// ErrDimensionMismatch is returned at start when the embedder's dimension
// differs from the existing collection's. Continuing would corrupt search.
var ErrDimensionMismatch = errors.New("embedding dimension mismatch")

// Embedder turns texts into vectors of a fixed dimension.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Dimension() int
	// Name identifies the embedder and model, e.g. "builtin" or "openai:nomic-embed-text".
	Name() string
}

// Filter restricts a search; empty fields match everything. After and
// Before bound the memory's OccurredAt (inclusive); zero means unbounded.
type Filter struct {
	CharacterID string
	UserID      string
	ChannelID   string
	Kind        store.MemoryKind
	After       time.Time
	Before      time.Time
}

// Hit is one vector search result; Similarity is the cosine similarity in -1..1.
type Hit struct {
	MemoryID   string
	Similarity float32
}

// VectorStore stores one vector per memory ID.
type VectorStore interface {
	// EnsureCollection creates the collection for vectors of dim dimensions, or
	// checks the existing one and returns an error wrapping ErrDimensionMismatch.
	EnsureCollection(ctx context.Context, dim int) error
	// Reset deletes every vector and recreates the collection for dim
	// dimensions (reindexing after a change of embedder).
	Reset(ctx context.Context, dim int) error
	Upsert(ctx context.Context, vs []store.MemoryVector) error
	Search(ctx context.Context, vector []float32, f Filter, limit int) ([]Hit, error)
	// SearchText ranks the memories that match the filter by BM25 of the
	// query's terms (see Tokenize), with per-character statistics, and
	// returns the limit best that share a term, best first.
	SearchText(ctx context.Context, query string, f Filter, limit int) ([]TextHit, error)
	Delete(ctx context.Context, memoryIDs []string) error
	// CountVectors is the exact number of stored vectors; at start it is
	// compared with the memories in the SQL store, to notice a lost collection.
	CountVectors(ctx context.Context) (int64, error)
	Ping(ctx context.Context) error
	// Name is "embedded" or "qdrant".
	Name() string
	Close() error
}

// Weights are the recall scoring weights (see score.go):
// score = Relevance·relevance + Recency·recency + Importance·importance/10.
// relevance is the fused lexical and vector relevance in 0..1 (see
// Fusion); recency halves every HalfLife of the memory's age, counted from
// when it occurred, and a recall refreshes it by AccessRefresh (see
// Weights.recency).
type Weights struct {
	Relevance     float64
	Recency       float64
	Importance    float64
	HalfLife      time.Duration
	AccessRefresh float64
}

// DefaultWeights weigh the three terms equally with a one-week half-life.
var DefaultWeights = Weights{Relevance: 1, Recency: 1, Importance: 1, HalfLife: 7 * 24 * time.Hour, AccessRefresh: 0.25}

// Query is a recall request.
type Query struct {
	Text   string
	Filter Filter
	Limit  int // default 5
}

// Recalled is a memory with its score and the figures that made it.
type Recalled struct {
	store.Memory
	Score      float64
	Relevance  float64
	Recency    float64
	Importance float64
	Breakdown  Breakdown
}

// Breakdown is every step of a recalled memory's ranking (see recall.go).
type Breakdown struct {
	// Lexical is the BM25 score and LexicalRank the place in the lexical
	// ranking (1 is best, 0 when not among its candidates); likewise
	// Vector, the cosine similarity, and VectorRank.
	Lexical     float64
	LexicalRank int
	Vector      float64
	VectorRank  int
	// OnNamedDay says the memory happened on a day the query names.
	OnNamedDay bool
	// Relevance is the fused relevance, 0..1.
	Relevance float64
}

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
	Delete(ctx context.Context, memoryIDs []string) error
	Ping(ctx context.Context) error
	// Name is "embedded" or "qdrant".
	Name() string
	Close() error
}

// Weights are the recall scoring weights:
// score = Relevance·cosine + Recency·0.5^(age/HalfLife) + Importance·importance/10,
// where age counts from the memory's last access.
type Weights struct {
	Relevance  float64
	Recency    float64
	Importance float64
	HalfLife   time.Duration
}

// DefaultWeights weigh the three terms equally with a one-week half-life.
var DefaultWeights = Weights{Relevance: 1, Recency: 1, Importance: 1, HalfLife: 7 * 24 * time.Hour}

// Query is a recall request.
type Query struct {
	Text   string
	Filter Filter
	Limit  int // default 5
}

// Recalled is a memory with its score and the three terms that made it.
type Recalled struct {
	store.Memory
	Score      float64 `json:"score"`
	Relevance  float64 `json:"relevance"`
	Recency    float64 `json:"recency"`
	Importance float64 `json:"importance_score"`
}

package memory

import (
	"context"
	"fmt"

	"github.com/mojin/charsim/internal/store"
)

// NewEmbedder returns the embedder cfg selects. The OpenAI-compatible
// embedder may call its endpoint once (bounded by ctx) to learn the dimension.
func NewEmbedder(ctx context.Context, cfg EmbeddingConfig) (Embedder, error) {
	switch cfg.Provider {
	case ProviderBuiltin, "":
		return NewBuiltinEmbedder(cfg.Dimensions)
	case ProviderOpenAI:
		return NewOpenAIEmbedder(ctx, cfg)
	default:
		return nil, fmt.Errorf("EMBEDDING_PROVIDER: must be %q or %q, got %q", ProviderBuiltin, ProviderOpenAI, cfg.Provider)
	}
}

// OpenVectorStore returns the Qdrant store when QDRANT_URL is configured and
// the embedded store over st otherwise.
func OpenVectorStore(cfg Config, st store.Store) (VectorStore, error) {
	if cfg.Qdrant.Enabled() {
		return NewQdrantStore(cfg.Qdrant)
	}
	return NewEmbeddedStore(st), nil
}

// Open builds the embedder and the vector store from cfg and returns the
// Service over st.
func Open(ctx context.Context, cfg Config, st store.Store, opts ...Option) (*Service, error) {
	emb, err := NewEmbedder(ctx, cfg.Embedding)
	if err != nil {
		return nil, err
	}
	vs, err := OpenVectorStore(cfg, st)
	if err != nil {
		return nil, err
	}
	svc, err := NewService(ctx, st, vs, emb, cfg.Weights, append([]Option{WithFusion(cfg.Fusion)}, opts...)...)
	if err != nil {
		vs.Close()
		return nil, err
	}
	return svc, nil
}

package memory

import (
	"context"
	"fmt"

	"github.com/mojin/charsim/internal/store"
)

// EmbedMemories embeds the memories with emb in batches, as a reindex does,
// and returns one vector record per memory, normalised the way the vector
// stores keep them and carrying the memory's text (Qdrant derives its sparse
// lexical vector from it). It writes nothing, so an importer can embed before
// it opens its transaction. progress, when set, is called after every batch
// with the number of memories embedded so far.
func EmbedMemories(ctx context.Context, emb Embedder, memories []store.Memory, progress func(done int)) ([]store.MemoryVector, error) {
	records := make([]store.MemoryVector, 0, len(memories))
	for start := 0; start < len(memories); start += reindexBatch {
		batch := memories[start:min(start+reindexBatch, len(memories))]
		texts := make([]string, len(batch))
		for i, m := range batch {
			texts[i] = m.Text
		}
		vectors, err := emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed memories %d..%d of %d: %w", start+1, start+len(batch), len(memories), err)
		}
		if len(vectors) != len(batch) {
			return nil, fmt.Errorf("embed memories %d..%d of %d: the embedder returned %d vectors", start+1, start+len(batch), len(memories), len(vectors))
		}
		for i, m := range batch {
			if len(vectors[i]) != emb.Dimension() {
				return nil, vectorDimensionError(len(vectors[i]), emb.Dimension())
			}
			records = append(records, vectorOf(m, normalized(vectors[i])))
		}
		if progress != nil {
			progress(len(records))
		}
	}
	return records, nil
}

package memory

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// Stored vectors are only comparable with queries embedded the same way. The
// store records which embedder (name, feature version, dimension) made them
// (store meta key "vectors.embedder.<vector store>"); at start a server
// compares that with its own embedder, and when they differ it embeds every
// memory again in the background, with progress in the log, and records the
// new one. Meanwhile recall keeps answering from BM25 alone (see recall.go):
// half-old, half-new vectors are never ranked against each other.
//
// A store from before the record existed, with memories, is re-embedded when
// the embedder is the builtin one (whose features changed when the record
// came); with an external embedder it is assumed to be that embedder's, as
// before, and recorded.
const (
	reembedRetry    = 30 * time.Second
	reembedProgress = 5 * time.Second
)

// Fingerprint names the vectors an embedder makes: its name, its feature
// version when it has one, and its dimension.
func Fingerprint(emb Embedder) string {
	if v, ok := emb.(interface{ Version() string }); ok {
		return fmt.Sprintf("%s/v%s/%d", emb.Name(), v.Version(), emb.Dimension())
	}
	return fmt.Sprintf("%s/%d", emb.Name(), emb.Dimension())
}

// EmbedderMetaKey is the store meta key under which the fingerprint of the
// embedder that made the vectors of the named vector store ("embedded" or
// "qdrant") is recorded.
func EmbedderMetaKey(vectorStoreName string) string { return "vectors.embedder." + vectorStoreName }

func fingerprintKey(vs VectorStore) string { return EmbedderMetaKey(vs.Name()) }

// reembedder runs the background re-embedding of one Service.
type reembedder struct {
	active atomic.Bool
	stop   context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
}

func (r *reembedder) running() bool { return r != nil && r.active.Load() }

// close stops a running re-embedding and waits for it.
func (r *reembedder) close() {
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// checkEmbedder records the embedder of a store without vectors, or starts
// re-embedding when the stored vectors are another embedder's.
func (s *Service) checkEmbedder(ctx context.Context) error {
	want := Fingerprint(s.emb)
	key := fingerprintKey(s.vs)
	have, recorded, err := s.st.GetMeta(ctx, key)
	if err != nil {
		return fmt.Errorf("read the embedder of the stored vectors: %w", err)
	}
	if recorded && have == want {
		return nil
	}
	counts, err := s.st.Count(ctx)
	if err != nil {
		return fmt.Errorf("count memories: %w", err)
	}
	if counts.Memories == 0 || (!recorded && s.emb.Name() != ProviderBuiltin) {
		return s.st.SetMeta(ctx, key, want)
	}
	if !recorded {
		have = "builtin/v1 (unrecorded)"
	}
	s.log.Warn("stored vectors were made by another embedder; re-embedding every memory in the background, recall uses BM25 alone until done",
		"stored", have, "embedder", want, "memories", counts.Memories)
	s.startReembedding(want, key)
	return nil
}

// checkVectorCount notices a vector store that lost its vectors while the
// SQL store kept the memories: a Qdrant collection recreated empty on a new
// or wiped volume, a half-finished reindex. EnsureCollection alone would
// create the empty collection and the server would report ready while
// recall missed every memory, so it re-embeds them all in the background,
// as after a change of embedder. Counts that merely differ (a write that
// failed halfway) are only reported: re-embedding everything is not worth it.
func (s *Service) checkVectorCount(ctx context.Context) error {
	if s.reembed.running() {
		return nil
	}
	counts, err := s.st.Count(ctx)
	if err != nil {
		return fmt.Errorf("count memories: %w", err)
	}
	vectors, err := s.vs.CountVectors(ctx)
	if err != nil {
		return err
	}
	switch {
	case counts.Memories > 0 && vectors == 0:
		s.log.Warn("the vector store holds no vectors but the SQL store has memories (a lost or recreated collection?); "+
			"re-embedding every memory in the background, recall uses BM25 alone until done",
			"vector_store", s.vs.Name(), "memories", counts.Memories)
		s.startReembedding(Fingerprint(s.emb), fingerprintKey(s.vs))
	case vectors != counts.Memories:
		s.log.Warn("the vector store and the SQL store disagree on how many memories have vectors; "+
			"`charsimctl reindex` rebuilds the vectors if recall misses memories",
			"vector_store", s.vs.Name(), "vectors", vectors, "memories", counts.Memories)
	}
	return nil
}

func (s *Service) startReembedding(want, key string) {
	ctx, stop := context.WithCancel(context.Background())
	r := s.reembed
	r.mu.Lock()
	r.stop, r.done = stop, make(chan struct{})
	r.mu.Unlock()
	r.active.Store(true)
	go func() {
		defer close(r.done)
		defer r.active.Store(false)
		for {
			n, err := s.reembedAll(ctx)
			if err == nil {
				err = s.st.SetMeta(ctx, key, want)
			}
			if err == nil {
				s.log.Info("re-embedding done: vector ranking is back", "memories", n, "embedder", want)
				return
			}
			if ctx.Err() != nil {
				return
			}
			s.log.Error("re-embedding failed; retrying", "error", err, "retry_in", reembedRetry)
			select {
			case <-ctx.Done():
				return
			case <-time.After(reembedRetry):
			}
		}
	}()
}

// reembedAll embeds every memory again and replaces its vector, in batches,
// logging progress. A memory deleted meanwhile is skipped by the store
// (a vector without a row is harmless and never returned).
func (s *Service) reembedAll(ctx context.Context) (int, error) {
	memories, err := s.st.ListMemories(ctx, store.MemoryFilter{})
	if err != nil {
		return 0, fmt.Errorf("list memories: %w", err)
	}
	last := time.Now()
	for start := 0; start < len(memories); start += reindexBatch {
		batch := memories[start:min(start+reindexBatch, len(memories))]
		if err := embedAndUpsert(ctx, s.vs, s.emb, batch); err != nil {
			return start, err
		}
		if time.Since(last) >= reembedProgress {
			last = time.Now()
			s.log.Info("re-embedding", "done", start+len(batch), "of", len(memories))
		}
	}
	return len(memories), nil
}

// embedAndUpsert embeds a batch of memories and writes their vectors.
func embedAndUpsert(ctx context.Context, vs VectorStore, emb Embedder, batch []store.Memory) error {
	texts := make([]string, len(batch))
	for i, m := range batch {
		texts[i] = m.Text
	}
	vectors, err := emb.Embed(ctx, texts)
	if err != nil {
		return fmt.Errorf("embed: %w", err)
	}
	records := make([]store.MemoryVector, len(batch))
	for i, m := range batch {
		records[i] = vectorOf(m, vectors[i])
	}
	if err := vs.Upsert(ctx, records); err != nil {
		return fmt.Errorf("store vectors: %w", err)
	}
	return nil
}

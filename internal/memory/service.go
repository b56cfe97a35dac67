package memory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// Recall limits.
const (
	DefaultRecallLimit = 5
	MaxRecallLimit     = 100
	// Recall asks the vector store for more candidates than it returns,
	// because recency and importance can lift a less similar memory.
	candidateFactor = 4
	minCandidates   = 20
	// reindexBatch is the number of memories embedded and upserted at once.
	reindexBatch = 256
	// cleanupTimeout bounds compensating writes, which run even when the
	// caller's context is already cancelled.
	cleanupTimeout = 10 * time.Second
)

// Service is the memory of the characters: it writes memory rows to the SQL
// store and their embeddings to the vector store, keeping both consistent,
// and ranks recall. It is safe for concurrent use.
type Service struct {
	st      store.Store
	vs      VectorStore
	emb     Embedder
	w       Weights
	fusion  Fusion
	log     *slog.Logger
	access  *accessLog
	reembed *reembedder
}

// Option configures a Service.
type Option func(*Service)

// WithFusion sets how lexical and vector ranking combine (default
// DefaultFusionFor the embedder's provider).
func WithFusion(f Fusion) Option { return func(s *Service) { s.fusion = f } }

// WithLogger sets the logger of background work (re-embedding).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// rowWriter is implemented by a vector store that lives in the SQL store and
// so can write a memory row and its vector in one transaction.
type rowWriter interface {
	CreateMemory(ctx context.Context, m store.Memory, vector []float32) (store.Memory, error)
}

// NewService checks the weights and prepares the vector store for the
// embedder's dimension; a collection of another dimension is an error
// wrapping ErrDimensionMismatch. The caller keeps ownership of st; Close
// closes vs.
//
// When the stored vectors were made by another embedder (see reembed.go),
// it starts embedding them again in the background.
func NewService(ctx context.Context, st store.Store, vs VectorStore, emb Embedder, w Weights, opts ...Option) (*Service, error) {
	s := &Service{st: st, vs: vs, emb: emb, w: w, fusion: DefaultFusionFor(providerOf(emb)), log: slog.New(slog.DiscardHandler), reembed: &reembedder{}}
	for _, o := range opts {
		o(s)
	}
	if err := errors.Join(w.Validate(), s.fusion.Validate()); err != nil {
		return nil, fmt.Errorf("memory service: %w", err)
	}
	if err := vs.EnsureCollection(ctx, emb.Dimension()); err != nil {
		return nil, fmt.Errorf("memory service (embedder %s, %d dimensions; vector store %s): %w", emb.Name(), emb.Dimension(), vs.Name(), err)
	}
	if l, ok := vs.(interface {
		LogServer(context.Context, *slog.Logger)
	}); ok {
		l.LogServer(ctx, s.log)
	}
	if err := s.checkEmbedder(ctx); err != nil {
		return nil, fmt.Errorf("memory service: %w", err)
	}
	if err := s.checkVectorCount(ctx); err != nil {
		return nil, fmt.Errorf("memory service: %w", err)
	}
	s.access = newAccessLog(st, accessFlushInterval)
	return s, nil
}

// Remember embeds a memory and stores its row and vector. Either both are
// written or neither.
func (s *Service) Remember(ctx context.Context, m store.Memory) (store.Memory, error) {
	if strings.TrimSpace(m.Text) == "" {
		return store.Memory{}, fmt.Errorf("%w: text is required", store.ErrInvalid)
	}
	vector, err := s.embedOne(ctx, m.Text)
	if err != nil {
		return store.Memory{}, err
	}
	if w, ok := s.vs.(rowWriter); ok {
		created, err := w.CreateMemory(ctx, m, vector)
		if err != nil {
			return store.Memory{}, fmt.Errorf("remember: %w", err)
		}
		return created, nil
	}
	created, err := s.st.CreateMemory(ctx, m)
	if err != nil {
		return store.Memory{}, fmt.Errorf("remember: %w", err)
	}
	if created.Deduplicated {
		// The memory was there already, with its vector: nothing to add,
		// and nothing to undo.
		return created, nil
	}
	if err := s.vs.Upsert(ctx, []store.MemoryVector{vectorOf(created, vector)}); err != nil {
		err = fmt.Errorf("remember: store the vector of memory %s: %w", created.ID, err)
		return store.Memory{}, s.compensate(ctx, err, func(ctx context.Context) error {
			// A failure can be ambiguous (the point written, the reply
			// lost): delete the point too, or it would outlive its row.
			return errors.Join(s.st.DeleteMemory(ctx, created.ID), s.vs.Delete(ctx, []string{created.ID}))
		})
	}
	return created, nil
}

// compensate undoes a half-done write after err, even if ctx is already
// cancelled, and reports both failures if the undo fails too.
func (s *Service) compensate(ctx context.Context, err error, undo func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if uerr := undo(ctx); uerr != nil {
		return errors.Join(err, fmt.Errorf("undo the SQL change: %w", uerr))
	}
	return err
}

// Update changes a memory. When its text, kind or time changes the vector
// (which carries them for search) is rewritten too; if that fails the row is
// put back as it was.
func (s *Service) Update(ctx context.Context, id string, p store.MemoryPatch) (store.Memory, error) {
	if p.Text == nil && p.Kind == nil && p.OccurredAt == nil {
		updated, err := s.st.UpdateMemory(ctx, id, p)
		if err != nil {
			return store.Memory{}, fmt.Errorf("update memory %s: %w", id, err)
		}
		return updated, nil
	}
	old, err := s.st.GetMemory(ctx, id)
	if err != nil {
		return store.Memory{}, fmt.Errorf("update memory %s: %w", id, err)
	}
	text := old.Text
	if p.Text != nil {
		if strings.TrimSpace(*p.Text) == "" {
			return store.Memory{}, fmt.Errorf("%w: text must not be empty", store.ErrInvalid)
		}
		text = *p.Text
	}
	vector, err := s.embedOne(ctx, text)
	if err != nil {
		return store.Memory{}, err
	}
	updated, err := s.st.UpdateMemory(ctx, id, p)
	if err != nil {
		return store.Memory{}, fmt.Errorf("update memory %s: %w", id, err)
	}
	if err := s.vs.Upsert(ctx, []store.MemoryVector{vectorOf(updated, vector)}); err != nil {
		err = fmt.Errorf("update memory %s: store the new vector: %w", id, err)
		return store.Memory{}, s.compensate(ctx, err, func(ctx context.Context) error {
			restored, uerr := s.st.UpdateMemory(ctx, id, store.MemoryPatch{Text: &old.Text, Kind: &old.Kind, Importance: &old.Importance, Tags: &old.Tags, OccurredAt: &old.OccurredAt})
			if uerr != nil {
				return uerr
			}
			// The new vector may have been written after all: put the old
			// one back (the same embedder makes the same vector again).
			oldVector, uerr := s.embedOne(ctx, old.Text)
			if uerr != nil {
				return uerr
			}
			return s.vs.Upsert(ctx, []store.MemoryVector{vectorOf(restored, oldVector)})
		})
	}
	return updated, nil
}

// Forget deletes a memory and its vector; store.ErrNotFound if there is none.
// The vector goes first, so a failure leaves a row that a retry can delete.
func (s *Service) Forget(ctx context.Context, id string) error {
	if _, err := s.st.GetMemory(ctx, id); err != nil {
		return fmt.Errorf("forget memory %s: %w", id, err)
	}
	if err := s.vs.Delete(ctx, []string{id}); err != nil {
		return fmt.Errorf("forget memory %s: %w", id, err)
	}
	if err := s.st.DeleteMemory(ctx, id); err != nil {
		return fmt.Errorf("forget memory %s: %w", id, err)
	}
	return nil
}

// ForgetUser deletes every memory (and message) about a user, with their
// vectors, and returns the number of memories deleted.
func (s *Service) ForgetUser(ctx context.Context, userID string) (int, error) {
	if strings.TrimSpace(userID) == "" {
		return 0, fmt.Errorf("%w: user_id is required", store.ErrInvalid)
	}
	// Vectors first: if the rows went first and the vector delete failed, a
	// retry could no longer find which vectors belonged to the user.
	before, err := s.memoryIDs(ctx, store.MemoryFilter{UserID: userID})
	if err != nil {
		return 0, fmt.Errorf("forget user: %w", err)
	}
	if err := s.vs.Delete(ctx, before); err != nil {
		return 0, fmt.Errorf("forget user: %w", err)
	}
	deleted, err := s.st.ForgetUser(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("forget user: %w", err)
	}
	// Memories written between the listing and the delete.
	known := make(map[string]bool, len(before))
	for _, id := range before {
		known[id] = true
	}
	late := slices.DeleteFunc(slices.Clone(deleted), func(id string) bool { return known[id] })
	if err := s.vs.Delete(ctx, late); err != nil {
		return len(deleted), fmt.Errorf("forget user: %w", err)
	}
	if err := s.deleteMatching(ctx, Filter{UserID: userID}); err != nil {
		return len(deleted), fmt.Errorf("forget user: %w", err)
	}
	return len(deleted), nil
}

// matchingDeleter is a vector store whose vectors can outlive their rows
// (Qdrant: a compensation that failed too, a write whose reply was lost).
// The embedded store has no such method: its vectors are rows of the same
// database, deleted with their memories in one transaction.
type matchingDeleter interface {
	DeleteMatching(ctx context.Context, f Filter) error
}

// deleteMatching deletes every vector carrying the filter's character or
// user, listed in SQL or not, so that no embedding of forgotten content
// survives in a remote vector store.
func (s *Service) deleteMatching(ctx context.Context, f Filter) error {
	if d, ok := s.vs.(matchingDeleter); ok {
		return d.DeleteMatching(ctx, f)
	}
	return nil
}

// DeleteCharacter deletes a character with its memories and their vectors
// (store.DeleteCharacter alone would leave vectors in a remote vector store).
func (s *Service) DeleteCharacter(ctx context.Context, characterID string) error {
	ids, err := s.memoryIDs(ctx, store.MemoryFilter{CharacterID: characterID})
	if err != nil {
		return fmt.Errorf("delete character %s: %w", characterID, err)
	}
	if err := s.vs.Delete(ctx, ids); err != nil {
		return fmt.Errorf("delete character %s: %w", characterID, err)
	}
	if err := s.st.DeleteCharacter(ctx, characterID); err != nil {
		return fmt.Errorf("delete character %s: %w", characterID, err)
	}
	if err := s.deleteMatching(ctx, Filter{CharacterID: characterID}); err != nil {
		return fmt.Errorf("delete character %s: %w", characterID, err)
	}
	return nil
}

// Reindex rebuilds the vector store from the SQL rows with the current
// embedder (see the package function Reindex).
func (s *Service) Reindex(ctx context.Context) (int, error) {
	return Reindex(ctx, s.st, s.vs, s.emb)
}

// Ready reports whether the vector store is reachable.
func (s *Service) Ready(ctx context.Context) error { return s.vs.Ping(ctx) }

// EmbedderName names the embedder, e.g. "builtin" or "openai:nomic-embed-text".
func (s *Service) EmbedderName() string { return s.emb.Name() }

// VectorStoreName is "embedded" or "qdrant".
func (s *Service) VectorStoreName() string { return s.vs.Name() }

// Flush writes the last-accessed times of recalled memories that are still
// waiting for their batch.
func (s *Service) Flush(ctx context.Context) error { return s.access.flush(ctx) }

// Close writes the waiting last-accessed times and closes the vector store
// (not the SQL store, which the caller owns).
func (s *Service) Close() error {
	s.reembed.close()
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	return errors.Join(s.access.close(ctx), s.vs.Close())
}

// Reindex empties the vector store, recreates it for the embedder's
// dimension and embeds every memory row again. It is what `charsimctl
// reindex` runs after the embedder changed, which is why it works without a
// Service (NewService refuses a collection of the old dimension).
func Reindex(ctx context.Context, st store.Store, vs VectorStore, emb Embedder) (int, error) {
	if err := vs.Reset(ctx, emb.Dimension()); err != nil {
		return 0, fmt.Errorf("reindex: %w", err)
	}
	// Listing everything up front (rather than paging by offset) cannot skip
	// rows when memories are deleted while the reindex runs.
	memories, err := st.ListMemories(ctx, store.MemoryFilter{})
	if err != nil {
		return 0, fmt.Errorf("reindex: list memories: %w", err)
	}
	for start := 0; start < len(memories); start += reindexBatch {
		if err := embedAndUpsert(ctx, vs, emb, memories[start:min(start+reindexBatch, len(memories))]); err != nil {
			return start, fmt.Errorf("reindex: %w", err)
		}
	}
	if err := st.SetMeta(ctx, fingerprintKey(vs), Fingerprint(emb)); err != nil {
		return len(memories), fmt.Errorf("reindex: %w", err)
	}
	return len(memories), nil
}

func (s *Service) embedOne(ctx context.Context, text string) ([]float32, error) {
	vectors, err := s.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	return vectors[0], nil
}

// memoryIDs lists the IDs of the memories matching f.
func (s *Service) memoryIDs(ctx context.Context, f store.MemoryFilter) ([]string, error) {
	memories, err := s.st.ListMemories(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list memories: %w", err)
	}
	ids := make([]string, len(memories))
	for i, m := range memories {
		ids[i] = m.ID
	}
	return ids, nil
}

// providerOf is the provider of an embedder, from its name ("builtin",
// "openai:model").
func providerOf(emb Embedder) string {
	provider, _, _ := strings.Cut(emb.Name(), ":")
	return provider
}

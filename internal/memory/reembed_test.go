package memory_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// oldBuiltin stands for the builtin embedder of an earlier feature version:
// same name and dimension, other vectors (reversed), another version.
type oldBuiltin struct{ *memory.BuiltinEmbedder }

func (oldBuiltin) Version() string { return "1" }

func (e oldBuiltin) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	vs, err := e.BuiltinEmbedder.Embed(ctx, texts)
	for _, v := range vs {
		slices.Reverse(v)
	}
	return vs, err
}

// gatedBuiltin is the current builtin embedder, whose batch embeddings (the
// re-embedding's) wait until the gate opens, so that the test can look at
// recall while re-embedding runs.
type gatedBuiltin struct {
	*memory.BuiltinEmbedder
	gate chan struct{}
}

func (e gatedBuiltin) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) > 1 {
		select {
		case <-e.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return e.BuiltinEmbedder.Embed(ctx, texts)
}

// Vectors written by an older embedder version are detected at start and
// re-embedded in the background; meanwhile recall answers from BM25 alone
// (never ranking old vectors against new queries), and afterwards from
// both rankings again, with the new version recorded.
func TestReembedsVectorsOfAnOlderEmbedder(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	st := openSQLite(t, dir)
	current := builtin(t, memory.DefaultBuiltinDimension)
	old := oldBuiltin{current}

	before, err := memory.NewService(ctx, st, memory.NewEmbeddedStore(st), old, memory.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCharacter(ctx, store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"The lighthouse lamp went dark during the storm.",
		"The baker sells honey bread on market days.",
		"Aria keeps her brother's compass in a tin box.",
	}
	var lighthouse string
	for i, text := range texts {
		m, err := before.Remember(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: text, Importance: 5})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			lighthouse = m.ID
		}
	}
	before.Close()
	key := "vectors.embedder.embedded"
	if got, _, _ := st.GetMeta(ctx, key); got != memory.Fingerprint(old) {
		t.Fatalf("recorded embedder %q, want %q", got, memory.Fingerprint(old))
	}

	// A new server with the current embedder.
	var logs testsvc.LogBuffer
	gated := gatedBuiltin{current, make(chan struct{})}
	after, err := memory.NewService(ctx, st, memory.NewEmbeddedStore(st), gated, memory.DefaultWeights,
		memory.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatalf("NewService with a newer embedder: %v", err)
	}
	t.Cleanup(func() { after.Close() })
	if !strings.Contains(logs.String(), "re-embedding every memory") || !strings.Contains(logs.String(), memory.Fingerprint(old)) {
		t.Errorf("the start does not log the re-embedding and the stored embedder:\n%s", logs.String())
	}
	query := memory.Query{Text: "what happened to the lighthouse lamp", Filter: memory.Filter{CharacterID: c.ID}}

	// Re-embedding waits at the gate: recall still answers, by BM25 alone.
	got, err := after.Recall(ctx, query)
	if err != nil {
		t.Fatalf("recall while re-embedding: %v", err)
	}
	if len(got) == 0 || got[0].ID != lighthouse {
		t.Fatalf("recall while re-embedding ranks %v, want the lighthouse memory first", recalledIDs(got))
	}
	for _, r := range got {
		if r.Breakdown.VectorRank != 0 {
			t.Errorf("recall while re-embedding ranked %q by its (old) vector", r.Text)
		}
	}
	if got, _, _ := st.GetMeta(ctx, key); got != memory.Fingerprint(old) {
		t.Errorf("recorded embedder %q before the re-embedding finished, want still %q", got, memory.Fingerprint(old))
	}

	close(gated.gate)
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err = after.Recall(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 && got[0].Breakdown.VectorRank > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vector ranking did not come back after re-embedding; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got[0].ID != lighthouse || got[0].Breakdown.VectorRank != 1 {
		t.Errorf("after re-embedding, recall ranks %v (vector rank %d), want the lighthouse memory first in both", recalledIDs(got), got[0].Breakdown.VectorRank)
	}
	if got, _, _ := st.GetMeta(ctx, key); got != memory.Fingerprint(current) {
		t.Errorf("recorded embedder %q after re-embedding, want %q", got, memory.Fingerprint(current))
	}
	// The stored vectors are the current embedder's.
	want, err := current.Embed(ctx, []string{texts[0]})
	if err != nil {
		t.Fatal(err)
	}
	vs := memory.NewEmbeddedStore(st)
	if err := vs.EnsureCollection(ctx, memory.DefaultBuiltinDimension); err != nil {
		t.Fatal(err)
	}
	defer vs.Close()
	hits, err := vs.Search(ctx, want[0], memory.Filter{CharacterID: c.ID}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].MemoryID != lighthouse || hits[0].Similarity < 0.999 {
		t.Errorf("search by the current embedding finds %+v, want the lighthouse memory at similarity 1", hits)
	}
	if !strings.Contains(logs.String(), "re-embedding done") {
		t.Errorf("the log does not say the re-embedding finished:\n%s", logs.String())
	}

	// The next start finds the current embedder recorded and re-embeds nothing.
	var againLogs testsvc.LogBuffer
	again, err := memory.NewService(ctx, st, memory.NewEmbeddedStore(st), current, memory.DefaultWeights,
		memory.WithLogger(slog.New(slog.NewTextHandler(&againLogs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if strings.Contains(againLogs.String(), "re-embedding") {
		t.Errorf("a start with the recorded embedder re-embeds:\n%s", againLogs.String())
	}
}

// A vector store that lost every vector while the SQL store kept the
// memories (a Qdrant collection recreated empty on a new volume) is noticed
// at start and filled again in the background: recall finds the memories by
// their vectors afterwards, without anyone running a reindex.
func TestReembedsMemoriesWhenTheVectorsAreLost(t *testing.T) {
	ctx := t.Context()
	st := openSQLite(t, t.TempDir())
	emb := builtin(t, memory.DefaultBuiltinDimension)
	first, err := memory.NewService(ctx, st, memory.NewEmbeddedStore(st), emb, memory.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCharacter(ctx, store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	var lighthouse string
	for i, text := range []string{
		"The lighthouse lamp went dark during the storm.",
		"The baker sells honey bread on market days.",
		"Aria keeps her brother's compass in a tin box.",
	} {
		m, err := first.Remember(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: text, Importance: 5})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			lighthouse = m.ID
		}
	}
	first.Close()

	// The collection is lost: every vector is gone, the memories stay.
	lost := memory.NewEmbeddedStore(st)
	if err := lost.Reset(ctx, emb.Dimension()); err != nil {
		t.Fatal(err)
	}
	lost.Close()
	if n, err := lost.CountVectors(ctx); err != nil || n != 0 {
		t.Fatalf("after the loss: %d vectors, %v; want 0", n, err)
	}

	var logs testsvc.LogBuffer
	vs := memory.NewEmbeddedStore(st)
	svc, err := memory.NewService(ctx, st, vs, emb, memory.DefaultWeights,
		memory.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if !strings.Contains(logs.String(), "holds no vectors") || !strings.Contains(logs.String(), "memories=3") {
		t.Errorf("the start does not say the vectors are missing for 3 memories:\n%s", logs.String())
	}
	query := memory.Query{Text: "what happened to the lighthouse lamp", Filter: memory.Filter{CharacterID: c.ID}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := svc.Recall(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 && got[0].Breakdown.VectorRank > 0 {
			if got[0].ID != lighthouse || got[0].Breakdown.VectorRank != 1 {
				t.Errorf("recall ranks %v (vector rank %d), want the lighthouse memory first by its vector too", recalledIDs(got), got[0].Breakdown.VectorRank)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lost vectors were not embedded again; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, err := vs.CountVectors(ctx); err != nil || n != 3 {
		t.Errorf("after re-embedding: %d vectors, %v; want 3", n, err)
	}
}

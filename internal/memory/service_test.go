package memory_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// faultyVectorStore injects failures into a real vector store. It does not
// implement the embedded store's one-transaction write, so the Service
// treats it as a remote store (like Qdrant).
type faultyVectorStore struct {
	memory.VectorStore
	failUpsert, failDelete atomic.Bool
	// lostReplies is how many of the next upserts are written but then
	// fail, as when a reply is lost on the way back from Qdrant.
	lostReplies atomic.Int32
}

var errInjected = errors.New("injected vector store failure")

func (f *faultyVectorStore) Upsert(ctx context.Context, vs []store.MemoryVector) error {
	if f.failUpsert.Load() {
		return errInjected
	}
	err := f.VectorStore.Upsert(ctx, vs)
	if err == nil && f.lostReplies.Add(-1) >= 0 {
		return errInjected
	}
	return err
}

func (f *faultyVectorStore) Delete(ctx context.Context, ids []string) error {
	if f.failDelete.Load() {
		return errInjected
	}
	return f.VectorStore.Delete(ctx, ids)
}

type fixture struct {
	st  store.Store
	vs  memory.VectorStore
	svc *memory.Service
}

func newFixture(t *testing.T, st store.Store, vs memory.VectorStore, w memory.Weights) fixture {
	t.Helper()
	svc, err := memory.NewService(t.Context(), st, vs, builtin(t, memory.DefaultBuiltinDimension), w)
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	return fixture{st: st, vs: vs, svc: svc}
}

// embeddedFixture is a Service over a fresh SQLite store with the embedded vector store.
func embeddedFixture(t *testing.T, w memory.Weights) fixture {
	st := openSQLite(t, t.TempDir())
	return newFixture(t, st, memory.NewEmbeddedStore(st), w)
}

// remoteFixture is a Service whose vector store behaves like a remote one.
func remoteFixture(t *testing.T) (fixture, *faultyVectorStore) {
	st := openSQLite(t, t.TempDir())
	faulty := &faultyVectorStore{VectorStore: memory.NewEmbeddedStore(st)}
	return newFixture(t, st, faulty, memory.DefaultWeights), faulty
}

func (f fixture) character(t *testing.T) string {
	t.Helper()
	c, err := f.st.CreateCharacter(t.Context(), store.Character{Name: "char-" + uuid.NewString()})
	if err != nil {
		t.Fatalf("CreateCharacter: %v", err)
	}
	return c.ID
}

func (f fixture) remember(t *testing.T, m store.Memory) store.Memory {
	t.Helper()
	if m.Kind == "" {
		m.Kind = store.KindEpisodic
	}
	if m.Importance == 0 {
		m.Importance = 5
	}
	created, err := f.svc.Remember(t.Context(), m)
	if err != nil {
		t.Fatalf("Remember(%q): %v", m.Text, err)
	}
	return created
}

func (f fixture) recall(t *testing.T, q memory.Query) []memory.Recalled {
	t.Helper()
	got, err := f.svc.Recall(t.Context(), q)
	if err != nil {
		t.Fatalf("Recall(%q): %v", q.Text, err)
	}
	return got
}

func recalledIDs(rs []memory.Recalled) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// vectorIDs searches the vector store directly, bypassing the rows.
func (f fixture) vectorIDs(t *testing.T, filter memory.Filter) []string {
	t.Helper()
	hits, err := f.vs.Search(t.Context(), make([]float32, memory.DefaultBuiltinDimension), filter, 1000)
	if err != nil {
		t.Fatalf("vector search: %v", err)
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.MemoryID
	}
	return out
}

func TestRecallRanksRelevantMemoryFirst(t *testing.T) {
	f := embeddedFixture(t, memory.DefaultWeights)
	alice, bob := f.character(t), f.character(t)
	texts := []string{
		"The user told me their dog is called Biscuit and loves the beach.",
		"We argued about the best route over the mountain pass.",
		"The user's favourite food is spicy ramen from the night market.",
		"A storm flooded the lower district of the harbour town.",
	}
	var ids []string
	var created []store.Memory
	for _, text := range texts {
		m := f.remember(t, store.Memory{CharacterID: alice, UserID: "u1", Text: text})
		created = append(created, m)
		ids = append(ids, m.ID)
	}
	f.remember(t, store.Memory{CharacterID: bob, Text: "The user's favourite food is ramen."})

	got := f.recall(t, memory.Query{Text: "what food does the user like? ramen?", Filter: memory.Filter{CharacterID: alice}, Limit: 2})
	if len(got) != 2 || got[0].ID != ids[2] {
		t.Fatalf("recall = %v, want %s (the ramen memory) first and 2 results", recalledIDs(got), ids[2])
	}
	top := got[0]
	if top.CharacterID != alice || top.Text != texts[2] {
		t.Fatalf("top result = %+v, want alice's ramen memory", top.Memory)
	}
	if top.Relevance <= got[1].Relevance || top.Relevance <= 0.3 {
		t.Errorf("relevance of the match %v vs next %v: the match should stand out", top.Relevance, got[1].Relevance)
	}
	if want := top.Relevance + top.Recency + top.Importance; abs(top.Score-want) > 1e-9 {
		t.Errorf("score %v != relevance+recency+importance %v with unit weights", top.Score, want)
	}
	if top.Importance != 0.5 || top.Recency < 0.99 || top.Recency > 1 {
		t.Errorf("importance term %v (want 0.5), recency term %v (want ≈1 for a new memory)", top.Importance, top.Recency)
	}

	// Recall marks what it returned as accessed, and only that.
	if err := f.svc.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	after, err := f.st.GetMemory(t.Context(), ids[2])
	if err != nil {
		t.Fatal(err)
	}
	if !after.LastAccessedAt.After(top.LastAccessedAt) {
		t.Errorf("last_accessed_at %v not advanced past %v by recall", after.LastAccessedAt, top.LastAccessedAt)
	}
	for _, m := range created {
		if slices.Contains(recalledIDs(got), m.ID) {
			continue
		}
		row, err := f.st.GetMemory(t.Context(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !row.LastAccessedAt.Equal(m.LastAccessedAt) {
			t.Errorf("memory %q was not returned but marked accessed", m.Text)
		}
	}

	// Filters reach the vector search.
	if got := f.recall(t, memory.Query{Text: "ramen", Filter: memory.Filter{CharacterID: bob}}); len(got) != 1 || got[0].CharacterID != bob {
		t.Fatalf("recall for bob = %+v, want only bob's memory", got)
	}
	if got := f.recall(t, memory.Query{Text: "ramen", Filter: memory.Filter{UserID: "nobody"}}); len(got) != 0 {
		t.Fatalf("recall for an unknown user returned %v", recalledIDs(got))
	}
	if got := f.recall(t, memory.Query{Text: "anything at all", Filter: memory.Filter{CharacterID: alice}}); len(got) != 4 {
		t.Fatalf("default limit: %d results, want all 4 of alice's memories (limit 5)", len(got))
	}
}

func abs(x float64) float64 { return max(x, -x) }

// Each scoring term on its own decides the order of two memories that are
// equal in everything else.
func TestRecallScoringTerms(t *testing.T) {
	f := embeddedFixture(t, memory.DefaultWeights)
	now := time.Now()
	month := 30 * 24 * time.Hour
	for _, tc := range []struct {
		name          string
		first, second store.Memory
	}{
		{
			name:   "recency",
			first:  store.Memory{UserID: "u1", Text: "We watched the lanterns over the river.", OccurredAt: now.Add(-time.Hour)},
			second: store.Memory{UserID: "u2", Text: "We watched the lanterns over the river.", OccurredAt: now.Add(-month)},
		},
		{
			name:   "importance",
			first:  store.Memory{UserID: "u1", Text: "We watched the lanterns over the river.", Importance: 9},
			second: store.Memory{UserID: "u2", Text: "We watched the lanterns over the river.", Importance: 2},
		},
		{
			name:   "relevance",
			first:  store.Memory{Text: "We watched the lanterns over the river."},
			second: store.Memory{Text: "The blacksmith repaired my sword."},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := f.character(t)
			for _, m := range []*store.Memory{&tc.first, &tc.second} {
				m.CharacterID = c
				if m.OccurredAt.IsZero() {
					m.OccurredAt = now.Add(-time.Hour)
				}
				// Stored and accessed when it occurred, so that only the
				// term under test differs (the same user would deduplicate).
				m.CreatedAt, m.LastAccessedAt = m.OccurredAt, m.OccurredAt
			}
			// Insert the expected winner second, so insertion order cannot explain the result.
			second := f.remember(t, tc.second)
			first := f.remember(t, tc.first)
			got := f.recall(t, memory.Query{Text: "lanterns over the river", Filter: memory.Filter{CharacterID: c}})
			if !slices.Equal(recalledIDs(got), []string{first.ID, second.ID}) {
				t.Fatalf("order = %v, want [%s %s]; results %+v", recalledIDs(got), first.ID, second.ID, got)
			}
		})
	}
}

// The weights choose between terms: the same two memories rank differently.
func TestRecallWeightsChangeTheOrder(t *testing.T) {
	st := openSQLite(t, t.TempDir())
	seed := newFixture(t, st, memory.NewEmbeddedStore(st), memory.DefaultWeights)
	c := seed.character(t)
	old := time.Now().Add(-90 * 24 * time.Hour)
	relevant := seed.remember(t, store.Memory{CharacterID: c, Text: "The old lighthouse keeper taught me to read the stars.", Importance: 2, CreatedAt: old, LastAccessedAt: old})
	salient := seed.remember(t, store.Memory{CharacterID: c, Text: "The queen named me her champion today!", Importance: 10})
	seed.svc.Close()

	for _, tc := range []struct {
		w    memory.Weights
		want []string
	}{
		{memory.Weights{Relevance: 1, HalfLife: time.Hour}, []string{relevant.ID, salient.ID}},
		{memory.Weights{Recency: 1, Importance: 1, HalfLife: time.Hour}, []string{salient.ID, relevant.ID}},
	} {
		f := newFixture(t, st, memory.NewEmbeddedStore(st), tc.w)
		got := f.recall(t, memory.Query{Text: "lighthouse keeper stars", Filter: memory.Filter{CharacterID: c}})
		if !slices.Equal(recalledIDs(got), tc.want) {
			t.Errorf("weights %+v: order %v, want %v", tc.w, recalledIDs(got), tc.want)
		}
	}
}

func TestRecallRejectsInvalidQueries(t *testing.T) {
	f := embeddedFixture(t, memory.DefaultWeights)
	for _, q := range []memory.Query{
		{Text: "   "},
		{Text: "x", Limit: -1},
		{Text: "x", Limit: memory.MaxRecallLimit + 1},
		{Text: "x", Filter: memory.Filter{Kind: "dream"}},
	} {
		_, err := f.svc.Recall(t.Context(), q)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Recall(%+v): err = %v, want store.ErrInvalid", q, err)
		}
	}
	if _, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: f.character(t), Kind: store.KindEpisodic, Importance: 5}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Remember without text: err = %v, want store.ErrInvalid", err)
	}
	// The store's own validation (here: an unknown character) reaches the caller and writes nothing.
	if _, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: uuid.NewString(), Kind: store.KindEpisodic, Importance: 5, Text: "x"}); err == nil {
		t.Error("Remember for an unknown character succeeded")
	}
	if ids := f.vectorIDs(t, memory.Filter{}); len(ids) != 0 {
		t.Errorf("failed Remember calls left vectors %v", ids)
	}
}

func TestRememberWithRemoteStore(t *testing.T) {
	f, faulty := remoteFixture(t)
	c := f.character(t)

	kept := f.remember(t, store.Memory{CharacterID: c, Text: "The ferry leaves at dawn."})
	if got := f.vectorIDs(t, memory.Filter{CharacterID: c}); !slices.Equal(got, []string{kept.ID}) {
		t.Fatalf("vectors = %v, want the remembered memory's", got)
	}

	faulty.failUpsert.Store(true)
	_, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: c, Kind: store.KindEpisodic, Importance: 5, Text: "This must not be half-written."})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Remember with a failing vector store: err = %v, want the injected failure", err)
	}
	rows, err := f.st.ListMemories(t.Context(), store.MemoryFilter{CharacterID: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ID != kept.ID {
		t.Fatalf("rows after the failed Remember = %d, want only the earlier memory (no orphan row)", len(rows))
	}
}

func TestUpdate(t *testing.T) {
	f, faulty := remoteFixture(t)
	c := f.character(t)
	m := f.remember(t, store.Memory{CharacterID: c, Text: "I keep my savings under the loose floorboard."})

	text, kind := "I moved my savings into the bank vault.", store.KindSemantic
	updated, err := f.svc.Update(t.Context(), m.ID, store.MemoryPatch{Text: &text, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Text != text || updated.Kind != kind {
		t.Fatalf("updated = %+v", updated)
	}
	got := f.recall(t, memory.Query{Text: "bank vault", Filter: memory.Filter{CharacterID: c, Kind: store.KindSemantic}})
	if len(got) != 1 || got[0].ID != m.ID || got[0].Relevance < 0.3 {
		t.Fatalf("recall after the text and kind change = %+v, want the memory found by its new text and kind", got)
	}
	if ids := f.vectorIDs(t, memory.Filter{Kind: store.KindEpisodic}); len(ids) != 0 {
		t.Fatal("the vector still carries the old kind")
	}

	// Importance alone does not touch the vector store.
	faulty.failUpsert.Store(true)
	importance := 8
	if _, err := f.svc.Update(t.Context(), m.ID, store.MemoryPatch{Importance: &importance}); err != nil {
		t.Fatalf("importance-only update with the vector store failing: %v", err)
	}
	// A text change whose vector cannot be written is undone.
	newText := "This text must not stick."
	if _, err := f.svc.Update(t.Context(), m.ID, store.MemoryPatch{Text: &newText}); !errors.Is(err, errInjected) {
		t.Fatalf("Update with a failing vector store: err = %v, want the injected failure", err)
	}
	row, err := f.st.GetMemory(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if row.Text != text || row.Importance != 8 {
		t.Fatalf("row after the failed update = %q/%d, want the previous text and importance 8", row.Text, row.Importance)
	}
	if _, err := f.svc.Update(t.Context(), uuid.NewString(), store.MemoryPatch{Text: &text}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Update of a missing memory: err = %v, want store.ErrNotFound", err)
	}
}

// A vector write can fail ambiguously: written, but the reply lost. The
// compensation then leaves no point without its row and no new vector under
// the restored old text.
func TestCompensationAfterAmbiguousVectorWrites(t *testing.T) {
	f, faulty := remoteFixture(t)
	c := f.character(t)

	faulty.lostReplies.Store(1)
	_, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: c, Kind: store.KindEpisodic, Importance: 5, Text: "Half-written, then undone."})
	if !errors.Is(err, errInjected) {
		t.Fatalf("Remember whose vector reply is lost: err = %v, want the injected failure", err)
	}
	if rows, err := f.st.ListMemories(t.Context(), store.MemoryFilter{CharacterID: c}); err != nil || len(rows) != 0 {
		t.Fatalf("rows after the undone Remember: %d, %v; want none", len(rows), err)
	}
	if got := f.vectorIDs(t, memory.Filter{CharacterID: c}); len(got) != 0 {
		t.Fatalf("vectors after the undone Remember = %v, want none (an orphan point would leak the text)", got)
	}

	oldText := "The key is under the blue flowerpot."
	m := f.remember(t, store.Memory{CharacterID: c, Text: oldText})
	faulty.lostReplies.Store(1)
	newText := "The key went down the well."
	if _, err := f.svc.Update(t.Context(), m.ID, store.MemoryPatch{Text: &newText}); !errors.Is(err, errInjected) {
		t.Fatalf("Update whose vector reply is lost: err = %v, want the injected failure", err)
	}
	if row, err := f.st.GetMemory(t.Context(), m.ID); err != nil || row.Text != oldText {
		t.Fatalf("row after the undone update = %q, %v; want the old text", row.Text, err)
	}
	emb := builtin(t, memory.DefaultBuiltinDimension)
	for _, tc := range []struct {
		text string
		want bool
	}{{oldText, true}, {newText, false}} {
		hits, err := f.vs.Search(t.Context(), embed(t, emb, tc.text)[0], memory.Filter{CharacterID: c}, 1)
		if err != nil {
			t.Fatal(err)
		}
		exact := len(hits) == 1 && hits[0].MemoryID == m.ID && hits[0].Similarity > 0.999
		if exact != tc.want {
			t.Errorf("the stored vector is the embedding of %q: %t, want %t (hits %+v)", tc.text, exact, tc.want, hits)
		}
	}
}

func TestForget(t *testing.T) {
	f, faulty := remoteFixture(t)
	c := f.character(t)
	m := f.remember(t, store.Memory{CharacterID: c, Text: "The password to the cellar is 'marmalade'."})
	other := f.remember(t, store.Memory{CharacterID: c, Text: "The cellar is cold."})

	// If the vector cannot be deleted, nothing is deleted and a retry works.
	faulty.failDelete.Store(true)
	if err := f.svc.Forget(t.Context(), m.ID); !errors.Is(err, errInjected) {
		t.Fatalf("Forget with a failing vector store: err = %v", err)
	}
	if _, err := f.st.GetMemory(t.Context(), m.ID); err != nil {
		t.Fatalf("row gone after a failed Forget: %v", err)
	}
	faulty.failDelete.Store(false)
	if err := f.svc.Forget(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.GetMemory(t.Context(), m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("row after Forget: err = %v, want store.ErrNotFound", err)
	}
	if got := f.vectorIDs(t, memory.Filter{CharacterID: c}); !slices.Equal(got, []string{other.ID}) {
		t.Fatalf("vectors after Forget = %v, want only %s", got, other.ID)
	}
	if err := f.svc.Forget(t.Context(), m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("forgetting twice: err = %v, want store.ErrNotFound", err)
	}
}

func TestForgetUserAndDeleteCharacter(t *testing.T) {
	f := embeddedFixture(t, memory.DefaultWeights)
	alice, bob := f.character(t), f.character(t)
	for _, m := range []store.Memory{
		{CharacterID: alice, UserID: "u1", Text: "u1 likes chess"},
		{CharacterID: bob, UserID: "u1", Text: "u1 hates mornings"},
		{CharacterID: alice, UserID: "u2", Text: "u2 plays the lute"},
		{CharacterID: bob, Text: "the tavern burned down"},
	} {
		f.remember(t, m)
	}
	n, err := f.svc.ForgetUser(t.Context(), "u1")
	if err != nil || n != 2 {
		t.Fatalf("ForgetUser(u1) = %d, %v; want 2, nil", n, err)
	}
	if got := f.vectorIDs(t, memory.Filter{UserID: "u1"}); len(got) != 0 {
		t.Fatalf("u1's vectors survived: %v", got)
	}
	if got := f.recall(t, memory.Query{Text: "chess mornings", Filter: memory.Filter{UserID: "u1"}}); len(got) != 0 {
		t.Fatalf("u1's memories still recalled: %v", recalledIDs(got))
	}
	if _, err := f.svc.ForgetUser(t.Context(), ""); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("ForgetUser(\"\"): err = %v, want store.ErrInvalid", err)
	}

	if err := f.svc.DeleteCharacter(t.Context(), bob); err != nil {
		t.Fatal(err)
	}
	if got := f.vectorIDs(t, memory.Filter{CharacterID: bob}); len(got) != 0 {
		t.Fatalf("bob's vectors survived his deletion: %v", got)
	}
	if got := f.vectorIDs(t, memory.Filter{}); len(got) != 1 {
		t.Fatalf("%d vectors left, want alice's one about u2", len(got))
	}
	if err := f.svc.DeleteCharacter(t.Context(), bob); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting bob twice: err = %v, want store.ErrNotFound", err)
	}
}

// The embedded index is rebuilt from the SQL store when the process restarts.
func TestEmbeddedIndexSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	st := openSQLite(t, dir)
	f := newFixture(t, st, memory.NewEmbeddedStore(st), memory.DefaultWeights)
	c := f.character(t)
	m := f.remember(t, store.Memory{CharacterID: c, Text: "The moon festival is on the ninth night."})
	f.remember(t, store.Memory{CharacterID: c, Text: "My boots need new soles."})
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openSQLite(t, dir)
	f2 := newFixture(t, st2, memory.NewEmbeddedStore(st2), memory.DefaultWeights)
	got := f2.recall(t, memory.Query{Text: "when is the moon festival", Filter: memory.Filter{CharacterID: c}})
	if len(got) != 2 || got[0].ID != m.ID || got[0].Relevance < 0.3 {
		t.Fatalf("recall after restart = %+v, want the festival memory first with its similarity", got)
	}
	if err := f2.svc.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
}

// A changed embedder dimension is refused at start, and reindexing fixes it.
func TestDimensionMismatchAtStartAndReindex(t *testing.T) {
	dir := t.TempDir()
	st := openSQLite(t, dir)
	f := newFixture(t, st, memory.NewEmbeddedStore(st), memory.DefaultWeights)
	c := f.character(t)
	m := f.remember(t, store.Memory{CharacterID: c, Text: "The well in the square is poisoned."})
	f.svc.Close()

	bigger := builtin(t, 512)
	vs := memory.NewEmbeddedStore(st)
	_, err := memory.NewService(t.Context(), st, vs, bigger, memory.DefaultWeights)
	if !errors.Is(err, memory.ErrDimensionMismatch) {
		t.Fatalf("NewService with a 512-dimensional embedder over 256-dimensional vectors: err = %v", err)
	}
	for _, want := range []string{"256", "512", "reindex"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("mismatch error %q does not mention %q", err, want)
		}
	}

	n, err := memory.Reindex(t.Context(), st, vs, bigger)
	if err != nil || n != 1 {
		t.Fatalf("Reindex = %d, %v; want 1, nil", n, err)
	}
	svc, err := memory.NewService(t.Context(), st, vs, bigger, memory.DefaultWeights)
	if err != nil {
		t.Fatalf("NewService after reindex: %v", err)
	}
	defer svc.Close()
	got, err := svc.Recall(t.Context(), memory.Query{Text: "poisoned well", Filter: memory.Filter{CharacterID: c}})
	if err != nil || len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("recall after reindex = %+v, %v", got, err)
	}
	if n, err := svc.Reindex(t.Context()); err != nil || n != 1 {
		t.Fatalf("Service.Reindex = %d, %v; want 1, nil", n, err)
	}
}

func TestNewServiceRejectsInvalidWeights(t *testing.T) {
	st := openSQLite(t, t.TempDir())
	_, err := memory.NewService(t.Context(), st, memory.NewEmbeddedStore(st), builtin(t, 8), memory.Weights{Relevance: 1})
	if err == nil || !strings.Contains(err.Error(), "RECALL_HALF_LIFE") {
		t.Fatalf("zero half-life: err = %v, want an error naming RECALL_HALF_LIFE", err)
	}
}

func TestOpenFromConfig(t *testing.T) {
	cfg, err := memory.LoadConfig(func(k string) (string, bool) {
		v, ok := map[string]string{"EMBEDDING_DIMENSIONS": "64"}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := memory.Open(t.Context(), cfg, openSQLite(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if svc.EmbedderName() != "builtin" || svc.VectorStoreName() != "embedded" {
		t.Fatalf("Open without QDRANT_URL chose %s/%s, want builtin/embedded", svc.EmbedderName(), svc.VectorStoreName())
	}
}

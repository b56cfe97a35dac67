package memory_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// faultyStore fails TouchMemories on demand, in front of a real store.
type faultyStore struct {
	store.Store
	failTouch atomic.Bool
}

func (f *faultyStore) TouchMemories(ctx context.Context, accessed map[string]time.Time) error {
	if f.failTouch.Load() {
		return errInjected
	}
	return f.Store.TouchMemories(ctx, accessed)
}

// accessFixture is a Service over a SQLite store that can refuse access-time
// writes, with one month-old memory of one character.
func accessFixture(t *testing.T) (fixture, *faultyStore, store.Memory) {
	t.Helper()
	st := openSQLite(t, t.TempDir())
	faulty := &faultyStore{Store: st}
	f := newFixture(t, faulty, memory.NewEmbeddedStore(st), memory.DefaultWeights)
	old := time.Now().Add(-30 * 24 * time.Hour)
	m := f.remember(t, store.Memory{CharacterID: f.character(t), Text: "The ferry leaves at dawn.", CreatedAt: old, LastAccessedAt: old})
	return f, faulty, m
}

func (f fixture) recallOne(t *testing.T, m store.Memory) memory.Recalled {
	t.Helper()
	got := f.recall(t, memory.Query{Text: "when does the ferry leave", Filter: memory.Filter{CharacterID: m.CharacterID}})
	if len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("recall = %v, want only %s", recalledIDs(got), m.ID)
	}
	return got[0]
}

func (f fixture) lastAccessed(t *testing.T, id string) time.Time {
	t.Helper()
	m, err := f.st.GetMemory(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.LastAccessedAt
}

// A recall counts as an access for the next recall at once, before its
// batch is written, and Flush writes it.
func TestRecallSeesEarlierAccessesBeforeTheyAreWritten(t *testing.T) {
	f, faulty, m := accessFixture(t)
	faulty.failTouch.Store(true) // nothing reaches the rows until Flush
	before := time.Now().UTC().Truncate(time.Microsecond)
	first := f.recallOne(t, m)
	if first.Recency > 0.1 || !first.LastAccessedAt.Equal(m.LastAccessedAt) {
		t.Fatalf("first recall: recency %v, last accessed %v; want the month-old access", first.Recency, first.LastAccessedAt)
	}
	second := f.recallOne(t, m)
	// The memory occurred a month ago; the access refreshes it to AccessRefresh of "just now".
	if want := memory.DefaultWeights.AccessRefresh; abs(second.Recency-want) > 0.01 || second.LastAccessedAt.Before(before) {
		t.Fatalf("second recall: recency %v, last accessed %v; want %v from the first recall's access (after %v)", second.Recency, second.LastAccessedAt, want, before)
	}
	if got := f.lastAccessed(t, m.ID); !got.Equal(m.LastAccessedAt) {
		t.Fatalf("row last_accessed_at = %v while writes fail, want the original %v", got, m.LastAccessedAt)
	}

	faulty.failTouch.Store(false)
	if err := f.svc.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	// The latest access wins: the second recall's, which came after the first.
	if got := f.lastAccessed(t, m.ID); got.Before(second.LastAccessedAt) || got.After(time.Now()) {
		t.Fatalf("row last_accessed_at = %v after Flush, want the second recall's access (after %v)", got, second.LastAccessedAt)
	}
}

// Without Flush, the batch is written in the background within a few intervals.
func TestAccessTimesAreWrittenInTheBackground(t *testing.T) {
	f, _, m := accessFixture(t)
	f.recallOne(t, m)
	deadline := time.Now().Add(10 * time.Second)
	for f.lastAccessed(t, m.ID).Equal(m.LastAccessedAt) {
		if time.Now().After(deadline) {
			t.Fatal("the access time was not written within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A failed write keeps the times for the next one, and Close writes them.
func TestAccessTimesSurviveAFailedWriteAndAreWrittenOnClose(t *testing.T) {
	f, faulty, m := accessFixture(t)
	faulty.failTouch.Store(true)
	f.recallOne(t, m)
	if err := f.svc.Flush(t.Context()); !errors.Is(err, errInjected) {
		t.Fatalf("Flush while the store refuses: err = %v, want the store's error", err)
	}
	faulty.failTouch.Store(false)
	if err := f.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := f.lastAccessed(t, m.ID); got.Equal(m.LastAccessedAt) {
		t.Fatal("Close did not write the access time kept from the failed write")
	}
}

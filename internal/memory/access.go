package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// accessFlushInterval is how long the last-accessed times of recalled
// memories wait in memory before they are written, all in one transaction.
const accessFlushInterval = time.Second

// accessLog batches the last-accessed times that recall sets. Writing them
// at every recall cost a durable (fsync'd) transaction per recall; batched,
// recall writes nothing itself.
//
// A crash loses at most the last interval's access times. They only age the
// recency term of later recalls; no acknowledged write (a memory, an edit,
// a deletion) waits here. Until they are written, Recall applies them
// itself (see apply), so ranking sees them at once; other readers of the
// rows see them within the interval.
type accessLog struct {
	st       store.Store
	interval time.Duration

	mu       sync.Mutex
	pending  map[string]time.Time // not yet being written
	inFlight map[string]time.Time // being written by flush
	timer    *time.Timer          // a flush is scheduled
	closed   bool

	// writing serialises flushes, so an older batch never lands after a newer one.
	writing sync.Mutex
}

func newAccessLog(st store.Store, interval time.Duration) *accessLog {
	return &accessLog{st: st, interval: interval, pending: map[string]time.Time{}}
}

// record notes that the memories were accessed at the time at.
func (a *accessLog) record(ids []string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if at.After(a.pending[id]) {
			a.pending[id] = at
		}
	}
	a.schedule()
}

// schedule arranges a background flush if there is something to write and
// none is scheduled. Called with mu held.
func (a *accessLog) schedule() {
	if a.timer != nil || a.closed || len(a.pending) == 0 {
		return
	}
	a.timer = time.AfterFunc(a.interval, func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		// A failed batch stays pending and flush schedules the next try, so
		// a database outage only delays the times.
		_ = a.flush(ctx)
	})
}

// apply sets each memory's LastAccessedAt to its recorded access time when
// that is later than the stored one.
func (a *accessLog) apply(ms []store.Memory) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range ms {
		m := &ms[i]
		for _, at := range [...]time.Time{a.pending[m.ID], a.inFlight[m.ID]} {
			if at.After(m.LastAccessedAt) {
				m.LastAccessedAt = at
			}
		}
	}
}

// flush writes every recorded time. On failure the times are kept for the
// next flush.
func (a *accessLog) flush(ctx context.Context) error {
	a.writing.Lock()
	defer a.writing.Unlock()
	a.mu.Lock()
	if a.timer != nil {
		a.timer.Stop() // this flush writes what it would have
		a.timer = nil
	}
	batch := a.pending
	a.pending, a.inFlight = map[string]time.Time{}, batch
	a.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}

	err := a.st.TouchMemories(ctx, batch)

	a.mu.Lock()
	defer a.mu.Unlock()
	a.inFlight = nil
	if err != nil {
		for id, at := range batch {
			if at.After(a.pending[id]) {
				a.pending[id] = at
			}
		}
		a.schedule()
		return fmt.Errorf("write the last-accessed times of %d recalled memories: %w", len(batch), err)
	}
	return nil
}

// close writes what is recorded and stops scheduling flushes; times
// recorded later are written only by an explicit flush.
func (a *accessLog) close(ctx context.Context) error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	return a.flush(ctx)
}

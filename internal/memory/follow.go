package memory

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// The embedded index is loaded once, at start. The writes that other
// processes make to the same database (a second server, the stdio server a
// desktop client starts, charsimctl) reach it through the store's vector
// change log: every followInterval the index reads the memories whose
// vectors changed since the last change it has seen, and their current
// vectors replace its own, or leave it when they are gone. Applying a change
// reads the current row, so it does not matter which process made it or
// whether this one has applied it already (its own writes come back too).
const (
	followInterval = time.Second
	// maxFollowedChanges is the most changes applied one by one; more at once
	// (a bulk import, a reindex elsewhere) load the whole index again.
	maxFollowedChanges = 10000
	// keptVectorChanges is how many changes the log keeps; a process that
	// falls further behind loads the whole index again.
	keptVectorChanges = 100000
	pruneInterval     = time.Minute
)

// follower is the goroutine that keeps an EmbeddedStore's index following
// the change log.
type follower struct {
	stop context.CancelFunc
	done chan struct{}
}

// startFollowing starts the follower once; the caller holds writeMu.
func (e *EmbeddedStore) startFollowing() {
	if e.follower != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	e.follower = &follower{stop: stop, done: make(chan struct{})}
	go e.follow(ctx, e.follower.done)
}

// stopFollowing stops the follower and waits for it; the caller must not
// hold writeMu, which the follower takes.
func (e *EmbeddedStore) stopFollowing() {
	e.writeMu.Lock()
	f := e.follower
	e.follower = nil
	e.writeMu.Unlock()
	if f != nil {
		f.stop()
		<-f.done
	}
}

func (e *EmbeddedStore) follow(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(followInterval)
	defer tick.Stop()
	pruned := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// A failure (the database is down) is retried at the next tick; the
		// readiness probe reports the database itself.
		if err := e.catchUp(ctx); err != nil {
			continue
		}
		if time.Since(pruned) >= pruneInterval {
			if err := e.st.PruneVectorChanges(ctx, keptVectorChanges); err == nil {
				pruned = time.Now()
			}
		}
	}
}

// catchUp applies the changes after the last one applied.
func (e *EmbeddedStore) catchUp(ctx context.Context) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	idx := e.index()
	if idx == nil {
		return nil
	}
	ids, last, complete, err := e.st.VectorChanges(ctx, e.applied, maxFollowedChanges+1)
	if err != nil {
		return err
	}
	if !complete || len(ids) > maxFollowedChanges {
		return e.reload(ctx, idx.dim)
	}
	if len(ids) == 0 {
		return nil
	}
	current, err := e.st.GetVectors(ctx, ids)
	if err != nil {
		return err
	}
	byID := make(map[string]store.MemoryVector, len(current))
	for _, v := range current {
		byID[v.MemoryID] = v
	}
	// Most changes are this process's own writes, which the index holds
	// already; only the others take the lock that searches wait for. Reading
	// the index without it is safe: only holders of writeMu change it.
	var puts []store.MemoryVector
	var removals []string
	for _, id := range ids {
		v, ok := byID[id]
		switch {
		case !ok:
			if _, indexed := idx.places[id]; indexed {
				removals = append(removals, id)
			}
		case len(v.Vector) != idx.dim:
			// Written by a process with another embedder: this one cannot
			// search it (charsimctl reindex re-embeds every memory).
		case !idx.holds(v):
			puts = append(puts, v)
		}
	}
	if len(puts)+len(removals) > 0 {
		e.mu.Lock()
		for _, v := range puts {
			idx.put(v)
		}
		for _, id := range removals {
			idx.remove(id)
		}
		e.mu.Unlock()
	}
	e.applied = last
	return nil
}

// load builds an index of dim dimensions from every stored vector and
// returns it with the number of the last change it includes. A vector of
// another dimension is an error when strict, else skipped (see catchUp).
func (e *EmbeddedStore) load(ctx context.Context, dim int, strict bool) (*flatIndex, int64, error) {
	// Read first: a change made during the scan is applied again later,
	// which is harmless, rather than missed.
	last, err := e.st.LastVectorChange(ctx)
	if err != nil {
		return nil, 0, err
	}
	idx := newFlatIndex(dim)
	err = e.st.ScanVectors(ctx, func(v store.MemoryVector) error {
		switch {
		case len(v.Vector) == dim:
			idx.put(v)
		case strict:
			return embeddedMismatch(len(v.Vector), dim)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	// The load grew every array step by step: give the spare capacity and
	// the old arrays back to the operating system, so that the server's
	// resident size is what the index holds (bench-mcp, 100k × 768
	// dimensions: 1670 MiB before, 524 MiB after).
	for _, p := range idx.partitions {
		p.compact()
	}
	idx.lex.compact()
	debug.FreeOSMemory()
	return idx, last, nil
}

// reload replaces the index by a fresh load; the caller holds writeMu.
func (e *EmbeddedStore) reload(ctx context.Context, dim int) error {
	idx, last, err := e.load(ctx, dim, false)
	if err != nil {
		return fmt.Errorf("reload the embedded vector index: %w", err)
	}
	e.swap(idx)
	e.applied = last
	return nil
}

package changes

import (
	"context"
	"time"
)

// FollowInterval is how often Follow reads the change log: the delay before
// a write of another process shows up.
const FollowInterval = time.Second

// maxFollowed is the most log entries read per interval; a process that
// falls further behind (a bulk import elsewhere) announces Everything.
const maxFollowed = 1000

// Follow publishes, until ctx ends, the memory writes that other processes
// make to st's database, read from its vector change log, as Character
// notices of the memories' characters. Writes this process made through s
// are skipped: they were announced when made. A failing database is retried
// at the next interval; the readiness probe reports it.
func (s *Store) Follow(ctx context.Context) {
	last, err := s.Store.LastVectorChange(ctx)
	for err != nil {
		if !sleep(ctx, FollowInterval) {
			return
		}
		last, err = s.Store.LastVectorChange(ctx)
	}
	for sleep(ctx, FollowInterval) {
		if next, err := s.followOnce(ctx, last); err == nil {
			last = next
		}
	}
}

// followOnce announces the changes after `after` and returns the number of
// the last one it read.
func (s *Store) followOnce(ctx context.Context, after int64) (int64, error) {
	ids, last, complete, err := s.Store.VectorChanges(ctx, after, maxFollowed)
	if err != nil {
		return after, err
	}
	if !complete || len(ids) == maxFollowed {
		s.feed.Publish(Change{Kind: Everything, Elsewhere: true})
		latest, err := s.Store.LastVectorChange(ctx)
		if err != nil {
			return last, err
		}
		return latest, nil
	}
	var theirs []string
	for _, id := range ids {
		if !s.own.take(id) {
			theirs = append(theirs, id)
		}
	}
	if len(theirs) == 0 {
		return last, nil
	}
	memories, err := s.Store.GetMemories(ctx, theirs)
	if err != nil {
		return after, err
	}
	characters := make(map[string]bool)
	for _, m := range memories {
		characters[m.CharacterID] = true
	}
	if len(memories) < len(dedupe(theirs)) {
		characters[""] = true // deleted: whose it was is gone
	}
	for id := range characters {
		s.feed.Publish(Change{Kind: Character, CharacterID: id, Elsewhere: true})
	}
	return last, nil
}

func dedupe(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// sleep waits d and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

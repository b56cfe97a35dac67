package changes

import (
	"context"
	"sync"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// Store wraps a store.Store and publishes a notice after each successful
// write it makes. Every write method of store.Store that changes what a
// subscriber can read is overridden here (store_test.go checks that none is
// missed); the embedded Store serves the rest.
//
// Lore books, conversation messages, access times and stored vectors are
// not followed: no resource shows them.
type Store struct {
	store.Store
	feed *Feed
	own  *ownMemories
}

// NewStore returns st publishing to feed.
func NewStore(st store.Store, feed *Feed) *Store {
	return &Store{Store: st, feed: feed, own: newOwnMemories()}
}

func (s *Store) character(id string) {
	s.feed.Publish(Change{Kind: Character, CharacterID: id})
}

func (s *Store) memory(m store.Memory) {
	s.own.add(m.ID)
	s.character(m.CharacterID)
}

func (s *Store) CreateCharacter(ctx context.Context, c store.Character) (store.Character, error) {
	c, err := s.Store.CreateCharacter(ctx, c)
	if err == nil {
		s.character(c.ID)
	}
	return c, err
}

func (s *Store) UpdateCharacter(ctx context.Context, id string, patch store.CharacterPatch) (store.Character, error) {
	c, err := s.Store.UpdateCharacter(ctx, id, patch)
	if err == nil {
		s.character(c.ID)
	}
	return c, err
}

func (s *Store) DeleteCharacter(ctx context.Context, id string) error {
	err := s.Store.DeleteCharacter(ctx, id)
	if err == nil {
		s.character(id)
	}
	return err
}

func (s *Store) PutCharacterCard(ctx context.Context, c store.CharacterCard) (store.CharacterCard, error) {
	c, err := s.Store.PutCharacterCard(ctx, c)
	if err == nil {
		s.character(c.CharacterID)
	}
	return c, err
}

func (s *Store) ImportCharacterCard(ctx context.Context, in store.CardImport) (store.CardImport, error) {
	out, err := s.Store.ImportCharacterCard(ctx, in)
	if err == nil {
		s.character(out.Character.ID)
	}
	return out, err
}

func (s *Store) CreateMemory(ctx context.Context, m store.Memory) (store.Memory, error) {
	m, err := s.Store.CreateMemory(ctx, m)
	if err == nil {
		s.memory(m)
	}
	return m, err
}

func (s *Store) CreateMemoryWithVector(ctx context.Context, m store.Memory, vector []float32) (store.Memory, error) {
	m, err := s.Store.CreateMemoryWithVector(ctx, m, vector)
	if err == nil {
		s.memory(m)
	}
	return m, err
}

func (s *Store) UpdateMemory(ctx context.Context, id string, patch store.MemoryPatch) (store.Memory, error) {
	m, err := s.Store.UpdateMemory(ctx, id, patch)
	if err == nil {
		s.memory(m)
	}
	return m, err
}

// DeleteMemory reads the memory first, for its character: once it is gone
// nothing says whose it was.
func (s *Store) DeleteMemory(ctx context.Context, id string) error {
	m, getErr := s.Store.GetMemory(ctx, id)
	err := s.Store.DeleteMemory(ctx, id)
	if err == nil {
		if getErr != nil {
			m = store.Memory{ID: id} // every character is told
		}
		s.memory(m)
	}
	return err
}

func (s *Store) AddEvent(ctx context.Context, e store.TimelineEvent) (store.TimelineEvent, error) {
	e, err := s.Store.AddEvent(ctx, e)
	if err == nil {
		s.feed.Publish(Change{Kind: Timeline, ChannelID: e.ChannelID})
	}
	return e, err
}

func (s *Store) BranchTimeline(ctx context.Context, fromEventID, name string) (store.Branch, error) {
	b, err := s.Store.BranchTimeline(ctx, fromEventID, name)
	if err == nil {
		s.feed.Publish(Change{Kind: Timeline, ChannelID: b.ChannelID})
	}
	return b, err
}

func (s *Store) UpdateCharacterState(ctx context.Context, characterID string, patch store.StatePatch) (store.CharacterState, error) {
	st, err := s.Store.UpdateCharacterState(ctx, characterID, patch)
	if err == nil {
		s.character(characterID)
	}
	return st, err
}

func (s *Store) UpdateRelationship(ctx context.Context, characterID, target string, change store.RelationshipChange) (store.Relationship, error) {
	r, err := s.Store.UpdateRelationship(ctx, characterID, target, change)
	if err == nil {
		s.character(characterID)
	}
	return r, err
}

func (s *Store) ForgetUser(ctx context.Context, userID string) ([]string, error) {
	ids, err := s.Store.ForgetUser(ctx, userID)
	if err == nil {
		for _, id := range ids {
			s.own.add(id)
		}
		s.feed.Publish(Change{Kind: Everything})
	}
	return ids, err
}

func (s *Store) Import(ctx context.Context, d *store.Dataset) (store.Counts, error) {
	n, err := s.Store.Import(ctx, d)
	if err == nil {
		s.feed.Publish(Change{Kind: Everything})
	}
	return n, err
}

// ownMemories remembers the memories this process wrote lately, so that
// Follow does not announce them a second time when they come back through
// the change log.
type ownMemories struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

// ownMemoryTTL is longer than any follow interval: an own write comes back
// through the log within one.
const ownMemoryTTL = time.Minute

func newOwnMemories() *ownMemories { return &ownMemories{ids: make(map[string]time.Time)} }

func (o *ownMemories) add(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if len(o.ids) > 10000 {
		for id, at := range o.ids {
			if now.Sub(at) > ownMemoryTTL {
				delete(o.ids, id)
			}
		}
	}
	o.ids[id] = now
}

// take reports whether id is an own recent write, and forgets it.
func (o *ownMemories) take(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	at, ok := o.ids[id]
	delete(o.ids, id)
	return ok && time.Since(at) <= ownMemoryTTL
}

func (s *Store) UpdateEvent(ctx context.Context, id string, patch store.EventPatch) (store.TimelineEvent, error) {
	e, err := s.Store.UpdateEvent(ctx, id, patch)
	if err == nil {
		s.feed.Publish(Change{Kind: Timeline, ChannelID: e.ChannelID})
	}
	return e, err
}

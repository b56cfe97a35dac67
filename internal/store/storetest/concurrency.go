package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

var concurrencyTests = []contractTest{
	{"VectorWritersDoNotDeadlock", func(t *testing.T, open Opener) {
		// Memories written with their vectors while their character is deleted
		// and another memory changes: each write succeeds or finds the
		// character gone, and none fails any other way (a deadlock between the
		// vector change log's lock and row locks would).
		s := open(t)
		ctx := t.Context()
		for round := range 8 {
			c := newCharacter(t, s, fmt.Sprintf("doomed-%d", round))
			keep, err := s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "kept", Importance: 1}, []float32{1, 0})
			noErr(t, err)
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for w := range 4 {
				wg.Go(func() {
					for i := range 6 {
						_, err := s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic,
							Text: fmt.Sprintf("w%d m%d", w, i), Importance: 1}, []float32{1, float32(i)})
						if err != nil && !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrNotFound) {
							errs <- err
						}
					}
				})
			}
			wg.Go(func() {
				kind := store.KindSemantic
				if _, err := s.UpdateMemory(ctx, keep.ID, store.MemoryPatch{Kind: &kind}); err != nil && !errors.Is(err, store.ErrNotFound) {
					errs <- err
				}
			})
			wg.Go(func() {
				if err := s.DeleteCharacter(ctx, c.ID); err != nil {
					errs <- err
				}
			})
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("round %d: %v", round, err)
			}
		}
	}},
	{"ConcurrentWritesAreNotLost", func(t *testing.T, open Opener) {
		s := open(t)
		c := newCharacter(t, s, "Aria")
		const writers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					ctx := t.Context()
					text := fmt.Sprintf("writer %d memory %d", w, i)
					if _, err := s.CreateMemory(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: text, Importance: 1 + i%10}); err != nil {
						errs <- err
					}
					if _, err := s.LogMessage(ctx, store.Message{CharacterID: c.ID, ChannelID: "ch", Role: store.RoleUser, Content: text}); err != nil {
						errs <- err
					}
					// Reads run beside the writes.
					if _, err := s.ListMemories(ctx, store.MemoryFilter{CharacterID: c.ID, Limit: 5}); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent operation failed: %v", err)
		}
		if got := count(t, s); got.Memories != writers*each || got.Messages != writers*each {
			t.Fatalf("after %d concurrent writes of each kind Count = %+v", writers*each, got)
		}
		ms := must(s.ListMemories(t.Context(), store.MemoryFilter{CharacterID: c.ID}))(t)
		seen := map[string]bool{}
		for _, m := range ms {
			seen[m.Text] = true
		}
		if len(seen) != writers*each {
			t.Fatalf("%d distinct memories listed, want %d", len(seen), writers*each)
		}
	}},
}

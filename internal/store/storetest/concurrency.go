package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

var concurrencyTests = []contractTest{
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

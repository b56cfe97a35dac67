package storetest

import (
	"fmt"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// Benchmark measures the hot paths of the MCP server on s, which must be empty:
// writing a memory, loading recall's candidates and listing a character's
// recent memories out of many, walking a long timeline, and reading a
// conversation.
func Benchmark(b *testing.B, s store.Store) {
	ctx := b.Context()
	c, err := s.CreateCharacter(ctx, store.Character{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	seed := &store.Dataset{}
	var parent string
	for i := range 5000 {
		id := fmt.Sprintf("m%05d", i)
		seed.Memories = append(seed.Memories, store.Memory{ID: id, CharacterID: c.ID, UserID: fmt.Sprintf("u%d", i%50),
			Kind: store.KindEpisodic, Text: "memory " + id, Importance: 1 + i%10, CreatedAt: at(i)})
		seed.Messages = append(seed.Messages, store.Message{ID: id, CharacterID: c.ID, ChannelID: "ch", Role: store.RoleUser, Content: id, CreatedAt: at(i)})
		if i < 1000 {
			e := store.TimelineEvent{ID: fmt.Sprintf("e%05d", i), ChannelID: "ch", Branch: store.DefaultBranch, ParentID: parent,
				Type: store.EventAction, Description: id, CreatedAt: at(i)}
			seed.Events, parent = append(seed.Events, e), e.ID
		}
	}
	seed.Branches = []store.Branch{{ChannelID: "ch", Name: store.DefaultBranch, HeadEventID: parent}}
	if _, err := s.Import(ctx, seed); err != nil {
		b.Fatal(err)
	}

	b.Run("CreateMemory", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.CreateMemory(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "new", Importance: 5}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetMemories20of5000", func(b *testing.B) {
		// Recall loads 4·limit candidates by ID; a different set each time.
		ids := make([]string, 20)
		i := 0
		for b.Loop() {
			for j := range ids {
				ids[j] = fmt.Sprintf("m%05d", (i*20+j*241)%5000)
			}
			i++
			if ms, err := s.GetMemories(ctx, ids); err != nil || len(ms) != len(ids) {
				b.Fatalf("GetMemories: %d, %v", len(ms), err)
			}
		}
	})
	b.Run("ListMemories20of5000", func(b *testing.B) {
		for b.Loop() {
			if ms, err := s.ListMemories(ctx, store.MemoryFilter{CharacterID: c.ID, UserID: "u7", Limit: 20}); err != nil || len(ms) != 20 {
				b.Fatalf("ListMemories: %d, %v", len(ms), err)
			}
		}
	})
	b.Run("Timeline50of1000", func(b *testing.B) {
		for b.Loop() {
			if es, err := s.Timeline(ctx, "ch", "", 50); err != nil || len(es) != 50 {
				b.Fatalf("Timeline: %d, %v", len(es), err)
			}
		}
	})
	b.Run("RecentMessages20", func(b *testing.B) {
		for b.Loop() {
			if ms, err := s.RecentMessages(ctx, c.ID, "ch", 20); err != nil || len(ms) != 20 {
				b.Fatalf("RecentMessages: %d, %v", len(ms), err)
			}
		}
	})
}

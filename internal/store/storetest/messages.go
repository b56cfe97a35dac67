package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

var messageTests = []contractTest{
	{"Messages", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		var logged []store.Message
		for i := range 5 {
			role := store.RoleUser
			if i%2 == 1 {
				role = store.RoleAssistant
			}
			logged = append(logged, must(s.LogMessage(ctx, store.Message{
				CharacterID: c.ID, ChannelID: "ch", UserID: "u1", Role: role, Content: fmt.Sprintf("msg %d", i), CreatedAt: at(i),
			}))(t))
		}
		must(s.LogMessage(ctx, store.Message{CharacterID: c.ID, ChannelID: "other", Role: store.RoleUser, Content: "elsewhere"}))(t)
		got := must(s.RecentMessages(ctx, c.ID, "ch", 3))(t)
		if !reflect.DeepEqual(got, logged[2:]) {
			t.Fatalf("RecentMessages(3) = %+v, want the newest three, oldest first: %+v", got, logged[2:])
		}
		if all := must(s.RecentMessages(ctx, c.ID, "ch", 0))(t); !slices.EqualFunc(all, logged, func(a, b store.Message) bool { return a.ID == b.ID }) {
			t.Fatalf("RecentMessages(0) = %+v, want all five", all)
		}
		if none := must(s.RecentMessages(ctx, c.ID, "nowhere", 10))(t); len(none) != 0 {
			t.Fatalf("RecentMessages of an empty channel = %+v", none)
		}
		valid := store.Message{CharacterID: c.ID, ChannelID: "ch", Role: store.RoleUser, Content: "hi"}
		for _, tc := range []struct {
			field  string
			modify func(*store.Message)
		}{
			{"role", func(m *store.Message) { m.Role = "system" }},
			{"content", func(m *store.Message) { m.Content = "" }},
			{"channel_id", func(m *store.Message) { m.ChannelID = "" }},
			{"character_id", func(m *store.Message) { m.CharacterID = "" }},
			{"character_id", func(m *store.Message) { m.CharacterID = "ghost" }},
		} {
			m := valid
			tc.modify(&m)
			_, err := s.LogMessage(ctx, m)
			requireInvalid(t, err, tc.field)
		}
		_, err := s.LogMessage(ctx, store.Message{ID: logged[0].ID, CharacterID: c.ID, ChannelID: "ch", Role: store.RoleUser, Content: "dup"})
		requireIs(t, err, store.ErrConflict)
	}},
}

var privacyTests = []contractTest{
	{"ForgetUser", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		gone1 := newMemory(t, s, store.Memory{CharacterID: c.ID, UserID: "u1"})
		gone2 := must(s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, UserID: "u1", Kind: store.KindEpisodic, Text: "secret", Importance: 9}, []float32{1}))(t)
		kept := must(s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, UserID: "u2", Kind: store.KindEpisodic, Text: "other", Importance: 2}, []float32{2}))(t)
		must(s.LogMessage(ctx, store.Message{CharacterID: c.ID, ChannelID: "ch", UserID: "u1", Role: store.RoleUser, Content: "my secret"}))(t)
		keptMsg := must(s.LogMessage(ctx, store.Message{CharacterID: c.ID, ChannelID: "ch", UserID: "u2", Role: store.RoleUser, Content: "hello"}))(t)
		must(s.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{AffinityDelta: 0.3, Reason: "shared a secret"}))(t)
		must(s.UpdateRelationship(ctx, c.ID, "u2", store.RelationshipChange{AffinityDelta: 0.1, Reason: "said hello"}))(t)

		deleted := must(s.ForgetUser(ctx, "u1"))(t)
		slices.Sort(deleted)
		want := []string{gone1.ID, gone2.ID}
		slices.Sort(want)
		if !slices.Equal(deleted, want) {
			t.Fatalf("ForgetUser returned %v, want %v", deleted, want)
		}
		if ms := memoryIDs(must(s.ListMemories(ctx, store.MemoryFilter{}))(t)); !slices.Equal(ms, []string{kept.ID}) {
			t.Fatalf("memories left = %v, want only %s", ms, kept.ID)
		}
		if vs := scanAll(t, s); len(vs) != 1 || vs[kept.ID].MemoryID == "" {
			t.Fatalf("vectors left = %+v, want only the other user's", vs)
		}
		if msgs := must(s.RecentMessages(ctx, c.ID, "ch", 0))(t); len(msgs) != 1 || msgs[0].ID != keptMsg.ID {
			t.Fatalf("messages left = %+v, want only the other user's", msgs)
		}
		if rels := must(s.ListRelationships(ctx, c.ID))(t); len(rels) != 1 || rels[0].Target != "u2" {
			t.Fatalf("relationships left = %+v, want only u2", rels)
		}
		if again := must(s.ForgetUser(ctx, "u1"))(t); len(again) != 0 {
			t.Fatalf("second ForgetUser deleted %v", again)
		}
		_, err := s.ForgetUser(ctx, "")
		requireInvalid(t, err, "user_id")
		if c := count(t, s); c.Memories != 1 || c.Messages != 1 {
			t.Fatalf("ForgetUser(\"\") deleted rows: %+v", c)
		}
	}},
}

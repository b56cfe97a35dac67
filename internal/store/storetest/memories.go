package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// ids returns the IDs of ms in order.
func memoryIDs(ms []store.Memory) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

var memoryTests = []contractTest{
	{"MemoryCreateGetUpdateDelete", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		m := must(s.CreateMemory(ctx, store.Memory{
			CharacterID: c.ID, UserID: "u1", ChannelID: "ch1", Kind: store.KindEpisodic,
			Text: "met a stranger", Importance: 7, Tags: []string{"people", "harbour"}, CreatedAt: at(0),
		}))(t)
		if m.ID == "" || !m.CreatedAt.Equal(stored(at(0))) || !m.LastAccessedAt.Equal(m.CreatedAt) {
			t.Fatalf("created memory %+v: want an ID, CreatedAt %v and LastAccessedAt = CreatedAt", m, stored(at(0)))
		}
		if got := must(s.GetMemory(ctx, m.ID))(t); !reflect.DeepEqual(got, m) {
			t.Fatalf("GetMemory = %+v, want %+v", got, m)
		}
		u := must(s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Text: ptr("met an old friend"), Importance: ptr(9)}))(t)
		want := m
		want.Text, want.Importance = "met an old friend", 9
		if !reflect.DeepEqual(u, want) {
			t.Fatalf("UpdateMemory = %+v, want %+v", u, want)
		}
		u = must(s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Kind: ptr(store.KindReflection), Tags: ptr([]string{"x"})}))(t)
		if u.Kind != store.KindReflection || !reflect.DeepEqual(u.Tags, []string{"x"}) || u.Text != "met an old friend" {
			t.Fatalf("second UpdateMemory = %+v", u)
		}
		if got := must(s.GetMemory(ctx, m.ID))(t); !reflect.DeepEqual(got, u) {
			t.Fatalf("after update GetMemory = %+v, want %+v", got, u)
		}
		noErr(t, s.DeleteMemory(ctx, m.ID))
		_, err := s.GetMemory(ctx, m.ID)
		requireIs(t, err, store.ErrNotFound)
		requireIs(t, s.DeleteMemory(ctx, m.ID), store.ErrNotFound)
		_, err = s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Importance: ptr(3)})
		requireIs(t, err, store.ErrNotFound)
	}},
	{"MemoryValidation", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		valid := store.Memory{CharacterID: c.ID, Kind: store.KindSemantic, Text: "the sea is salty", Importance: 5}
		for _, tc := range []struct {
			field  string
			modify func(*store.Memory)
		}{
			{"importance", func(m *store.Memory) { m.Importance = 0 }},
			{"importance", func(m *store.Memory) { m.Importance = 11 }},
			{"kind", func(m *store.Memory) { m.Kind = "dream" }},
			{"text", func(m *store.Memory) { m.Text = " " }},
			{"character_id", func(m *store.Memory) { m.CharacterID = "" }},
			{"character_id", func(m *store.Memory) { m.CharacterID = "no-such-character" }},
		} {
			m := valid
			tc.modify(&m)
			_, err := s.CreateMemory(ctx, m)
			requireInvalid(t, err, tc.field)
		}
		m := newMemory(t, s, valid)
		_, err := s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Importance: ptr(42)})
		requireInvalid(t, err, "importance")
		_, err = s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Text: ptr("")})
		requireInvalid(t, err, "text")
		_, err = s.UpdateMemory(ctx, m.ID, store.MemoryPatch{Kind: ptr(store.MemoryKind("x"))})
		requireInvalid(t, err, "kind")
		_, err = s.ListMemories(ctx, store.MemoryFilter{Kind: "x"})
		requireInvalid(t, err, "kind")
		_, err = s.ListMemories(ctx, store.MemoryFilter{Offset: -1})
		requireInvalid(t, err, "offset")
		if c := count(t, s); c.Memories != 1 {
			t.Fatalf("invalid memories were stored: %d memories", c.Memories)
		}
	}},
	{"MemoryDuplicateID", func(t *testing.T, open Opener) {
		s := open(t)
		c := newCharacter(t, s, "Aria")
		newMemory(t, s, store.Memory{ID: "m1", CharacterID: c.ID})
		_, err := s.CreateMemory(t.Context(), store.Memory{ID: "m1", CharacterID: c.ID, Kind: store.KindEpisodic, Text: "x", Importance: 1})
		requireIs(t, err, store.ErrConflict)
	}},
	{"ListMemoriesFiltersAndOrder", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		a, b := newCharacter(t, s, "A"), newCharacter(t, s, "B")
		var all []store.Memory
		for i, spec := range []struct {
			char, user, channel string
			kind                store.MemoryKind
		}{
			{a.ID, "u1", "c1", store.KindEpisodic},
			{a.ID, "u2", "c1", store.KindSemantic},
			{a.ID, "u1", "c2", store.KindEpisodic},
			{b.ID, "u1", "c1", store.KindReflection},
			{a.ID, "", "", store.KindReflection},
		} {
			all = append(all, newMemory(t, s, store.Memory{CharacterID: spec.char, UserID: spec.user, ChannelID: spec.channel, Kind: spec.kind, CreatedAt: at(i)}))
		}
		newestFirst := func(idx ...int) []string {
			var ids []string
			for _, i := range slices.Backward(idx) {
				ids = append(ids, all[i].ID)
			}
			return ids
		}
		for _, tc := range []struct {
			name   string
			filter store.MemoryFilter
			want   []string
		}{
			{"all", store.MemoryFilter{}, newestFirst(0, 1, 2, 3, 4)},
			{"character", store.MemoryFilter{CharacterID: a.ID}, newestFirst(0, 1, 2, 4)},
			{"user", store.MemoryFilter{UserID: "u1"}, newestFirst(0, 2, 3)},
			{"channel", store.MemoryFilter{ChannelID: "c1"}, newestFirst(0, 1, 3)},
			{"kind", store.MemoryFilter{Kind: store.KindReflection}, newestFirst(3, 4)},
			{"combined", store.MemoryFilter{CharacterID: a.ID, UserID: "u1", ChannelID: "c1"}, newestFirst(0)},
			{"limit", store.MemoryFilter{Limit: 2}, newestFirst(3, 4)},
			{"offset", store.MemoryFilter{Limit: 2, Offset: 2}, newestFirst(1, 2)},
			{"offset without limit", store.MemoryFilter{Offset: 3}, newestFirst(0, 1)},
			{"nothing", store.MemoryFilter{UserID: "nobody"}, nil},
		} {
			got := memoryIDs(must(s.ListMemories(ctx, tc.filter))(t))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: ListMemories = %v, want %v", tc.name, got, tc.want)
			}
		}
	}},
	{"GetMemoriesAndTouch", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		var ids []string
		for range 3 {
			ids = append(ids, newMemory(t, s, store.Memory{CharacterID: c.ID, CreatedAt: at(0)}).ID)
		}
		got := memoryIDs(must(s.GetMemories(ctx, []string{ids[2], "missing", ids[0]}))(t))
		slices.Sort(got)
		want := []string{ids[0], ids[2]}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("GetMemories = %v, want %v", got, want)
		}
		if ms := must(s.GetMemories(ctx, nil))(t); len(ms) != 0 {
			t.Fatalf("GetMemories(nil) = %v, want none", ms)
		}
		// Each memory gets its own time; unknown IDs are ignored.
		noErr(t, s.TouchMemories(ctx, map[string]time.Time{ids[0]: at(60), ids[1]: at(75), "missing": at(80)}))
		for i, want := range []time.Time{stored(at(60)), stored(at(75)), stored(at(0))} {
			if m := must(s.GetMemory(ctx, ids[i]))(t); !m.LastAccessedAt.Equal(want) {
				t.Errorf("memory %d LastAccessedAt = %v, want %v", i, m.LastAccessedAt, want)
			}
		}
		noErr(t, s.TouchMemories(ctx, nil))
		// A zero time means now.
		before := time.Now().Add(-time.Second)
		noErr(t, s.TouchMemories(ctx, map[string]time.Time{ids[2]: {}}))
		if m := must(s.GetMemory(ctx, ids[2]))(t); m.LastAccessedAt.Before(before) || m.LastAccessedAt.After(time.Now()) {
			t.Errorf("touched without a time: LastAccessedAt = %v, want now", m.LastAccessedAt)
		}
	}},
	{"GetMemoriesManyIDs", func(t *testing.T, open Opener) {
		s := open(t)
		c := newCharacter(t, s, "Aria")
		var ids []string
		for range 1200 {
			ids = append(ids, newMemory(t, s, store.Memory{CharacterID: c.ID}).ID)
		}
		if got := must(s.GetMemories(t.Context(), ids))(t); len(got) != len(ids) {
			t.Fatalf("GetMemories of %d IDs returned %d", len(ids), len(got))
		}
		accessed := map[string]time.Time{}
		for _, id := range ids {
			accessed[id] = at(5)
		}
		noErr(t, s.TouchMemories(t.Context(), accessed))
		for _, m := range must(s.GetMemories(t.Context(), ids))(t) {
			if !m.LastAccessedAt.Equal(stored(at(5))) {
				t.Fatalf("memory %s not touched: %v", m.ID, m.LastAccessedAt)
			}
		}
	}},
}

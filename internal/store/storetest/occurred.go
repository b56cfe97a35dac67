package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// occurredTests are about when memories happened (OccurredAt), as opposed
// to when they were stored.
var occurredTests = []contractTest{
	{"MemoryOccurredAtRoundTrip", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		// By default a memory happened when it was stored.
		byDefault := newMemory(t, s, store.Memory{CharacterID: c.ID, CreatedAt: at(0)})
		if !byDefault.OccurredAt.Equal(stored(at(0))) {
			t.Fatalf("default OccurredAt = %v, want CreatedAt %v", byDefault.OccurredAt, stored(at(0)))
		}
		now := newMemory(t, s, store.Memory{CharacterID: c.ID})
		if !now.OccurredAt.Equal(now.CreatedAt) || time.Since(now.CreatedAt) > time.Minute {
			t.Fatalf("without times: OccurredAt %v, CreatedAt %v; want both now", now.OccurredAt, now.CreatedAt)
		}
		// An explicit time, long before the memory is stored, at the
		// store's precision and in UTC.
		explicit := newMemory(t, s, store.Memory{CharacterID: c.ID, OccurredAt: at(-60 * 24 * 400), CreatedAt: at(0)})
		if !explicit.OccurredAt.Equal(stored(at(-60*24*400))) || explicit.OccurredAt.Location() != time.UTC {
			t.Fatalf("explicit OccurredAt = %v, want %v in UTC", explicit.OccurredAt, stored(at(-60*24*400)))
		}
		for _, m := range []store.Memory{byDefault, now, explicit} {
			if got := must(s.GetMemory(ctx, m.ID))(t); !reflect.DeepEqual(got, m) {
				t.Fatalf("GetMemory = %+v, want %+v", got, m)
			}
		}
		// Updating the time changes nothing else; a zero time means when it
		// was stored.
		u := must(s.UpdateMemory(ctx, explicit.ID, store.MemoryPatch{OccurredAt: ptr(at(-30))}))(t)
		want := explicit
		want.OccurredAt = stored(at(-30))
		if !reflect.DeepEqual(u, want) {
			t.Fatalf("UpdateMemory(occurred_at) = %+v, want %+v", u, want)
		}
		if got := must(s.GetMemory(ctx, explicit.ID))(t); !reflect.DeepEqual(got, want) {
			t.Fatalf("after update GetMemory = %+v, want %+v", got, want)
		}
		u = must(s.UpdateMemory(ctx, explicit.ID, store.MemoryPatch{OccurredAt: &time.Time{}}))(t)
		if !u.OccurredAt.Equal(explicit.CreatedAt) {
			t.Fatalf("UpdateMemory(zero occurred_at) = %v, want CreatedAt %v", u.OccurredAt, explicit.CreatedAt)
		}
		// Other updates keep the time.
		u = must(s.UpdateMemory(ctx, byDefault.ID, store.MemoryPatch{Text: ptr("something else"), Importance: ptr(2)}))(t)
		if !u.OccurredAt.Equal(byDefault.OccurredAt) {
			t.Fatalf("a text update moved OccurredAt from %v to %v", byDefault.OccurredAt, u.OccurredAt)
		}
	}},
	{"ListMemoriesAfterBefore", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		a, b := newCharacter(t, s, "A"), newCharacter(t, s, "B")
		// Stored in one order, happened in another: the list follows when
		// things happened. Two memories happened at the same time; the one
		// stored later comes first.
		var ms []store.Memory
		for _, spec := range []struct {
			char             string
			occurred, stored int
		}{
			{a.ID, 30, 0}, {a.ID, 10, 1}, {a.ID, 20, 2}, {a.ID, 20, 3}, {b.ID, 15, 4}, {a.ID, 40, 5},
		} {
			ms = append(ms, newMemory(t, s, store.Memory{CharacterID: spec.char, OccurredAt: at(spec.occurred), CreatedAt: at(100 + spec.stored)}))
		}
		ids := func(idx ...int) []string {
			var out []string
			for _, i := range idx {
				out = append(out, ms[i].ID)
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			filter store.MemoryFilter
			want   []string
		}{
			{"all, latest to happen first", store.MemoryFilter{CharacterID: a.ID}, ids(5, 0, 3, 2, 1)},
			{"after, inclusive", store.MemoryFilter{CharacterID: a.ID, After: at(20)}, ids(5, 0, 3, 2)},
			{"before, inclusive", store.MemoryFilter{CharacterID: a.ID, Before: at(20)}, ids(3, 2, 1)},
			{"between", store.MemoryFilter{CharacterID: a.ID, After: at(15), Before: at(30)}, ids(0, 3, 2)},
			{"one instant", store.MemoryFilter{CharacterID: a.ID, After: at(20), Before: at(20)}, ids(3, 2)},
			{"in another zone", store.MemoryFilter{CharacterID: a.ID, After: at(20).In(time.UTC), Before: at(20).In(time.FixedZone("Y", -7*3600))}, ids(3, 2)},
			{"nothing in range", store.MemoryFilter{CharacterID: a.ID, After: at(41)}, nil},
			{"every character", store.MemoryFilter{After: at(12), Before: at(16)}, ids(4)},
			{"with a limit", store.MemoryFilter{CharacterID: a.ID, After: at(20), Limit: 2, Offset: 1}, ids(0, 3)},
		} {
			got := memoryIDs(must(s.ListMemories(ctx, tc.filter))(t))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: ListMemories = %v, want %v", tc.name, got, tc.want)
			}
		}
		_, err := s.ListMemories(ctx, store.MemoryFilter{After: at(2), Before: at(1)})
		requireInvalid(t, err, "after")
	}},
	{"ImportKeepsOccurredAt", func(t *testing.T, open Opener) {
		src := open(t)
		ctx := t.Context()
		c := newCharacter(t, src, "Aria")
		old := newMemory(t, src, store.Memory{CharacterID: c.ID, OccurredAt: at(-5000), CreatedAt: at(0), LastAccessedAt: at(7)})
		now := newMemory(t, src, store.Memory{CharacterID: c.ID, CreatedAt: at(1)})
		d := must(src.Export(ctx))(t)
		dst := open(t)
		must(dst.Import(ctx, d))(t)
		for _, m := range []store.Memory{old, now} {
			if got := must(dst.GetMemory(ctx, m.ID))(t); !reflect.DeepEqual(got, m) {
				t.Fatalf("imported memory = %+v, want %+v", got, m)
			}
		}
		// A bulk import of rows without a time (a loader's) takes CreatedAt.
		bulk := &store.Dataset{Memories: []store.Memory{{ID: "bulk", CharacterID: c.ID, Kind: store.KindSemantic, Text: "loaded", Importance: 1, CreatedAt: at(9)}}}
		must(dst.Import(ctx, bulk))(t)
		if got := must(dst.GetMemory(ctx, "bulk"))(t); !got.OccurredAt.Equal(stored(at(9))) {
			t.Fatalf("imported without OccurredAt: %v, want CreatedAt %v", got.OccurredAt, stored(at(9)))
		}
	}},
}

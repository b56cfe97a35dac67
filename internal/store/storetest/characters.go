package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mojin/charsim/internal/store"
)

func ptr[T any](v T) *T { return &v }

var characterTests = []contractTest{
	{"CharacterCreateGetList", func(t *testing.T, open Opener) {
		s := open(t)
		in := store.Character{
			Name: "Aria", Personality: "bold", Background: "a sailor", SpeechPatterns: "short sentences",
			Goals: []string{"find the island", "keep the crew safe"}, Style: "nautical",
		}
		c := must(s.CreateCharacter(t.Context(), in))(t)
		if _, err := uuid.Parse(c.ID); err != nil {
			t.Fatalf("generated ID %q is not a UUID: %v", c.ID, err)
		}
		if c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) {
			t.Fatalf("timestamps not set: created %v updated %v", c.CreatedAt, c.UpdatedAt)
		}
		got := must(s.GetCharacter(t.Context(), c.ID))(t)
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("GetCharacter = %+v, want %+v", got, c)
		}
		byName := must(s.GetCharacterByName(t.Context(), "Aria"))(t)
		if !reflect.DeepEqual(byName, c) {
			t.Fatalf("GetCharacterByName = %+v, want %+v", byName, c)
		}
		newCharacter(t, s, "Zed")
		newCharacter(t, s, "Bram")
		list := must(s.ListCharacters(t.Context()))(t)
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		if !reflect.DeepEqual(names, []string{"Aria", "Bram", "Zed"}) {
			t.Fatalf("ListCharacters names = %v, want sorted by name", names)
		}
	}},
	{"CharacterKeepsCallerIDAndTimes", func(t *testing.T, open Opener) {
		s := open(t)
		c := must(s.CreateCharacter(t.Context(), store.Character{ID: "char-1", Name: "Old", CreatedAt: at(0)}))(t)
		if c.ID != "char-1" || !c.CreatedAt.Equal(stored(at(0))) || c.CreatedAt.Location() != time.UTC {
			t.Fatalf("created %+v, want ID char-1 and CreatedAt %v in UTC", c, stored(at(0)))
		}
		got := must(s.GetCharacter(t.Context(), "char-1"))(t)
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("GetCharacter = %+v, want %+v", got, c)
		}
		_, err := s.CreateCharacter(t.Context(), store.Character{ID: "char-1", Name: "Other"})
		requireIs(t, err, store.ErrConflict)
	}},
	{"CharacterValidationAndConflicts", func(t *testing.T, open Opener) {
		s := open(t)
		_, err := s.CreateCharacter(t.Context(), store.Character{Name: "  "})
		requireInvalid(t, err, "name")
		newCharacter(t, s, "Aria")
		_, err = s.CreateCharacter(t.Context(), store.Character{Name: "Aria"})
		requireIs(t, err, store.ErrConflict)
		_, err = s.GetCharacter(t.Context(), "missing")
		requireIs(t, err, store.ErrNotFound)
		_, err = s.GetCharacterByName(t.Context(), "Nobody")
		requireIs(t, err, store.ErrNotFound)
		_, err = s.UpdateCharacter(t.Context(), "missing", store.CharacterPatch{Style: ptr("x")})
		requireIs(t, err, store.ErrNotFound)
		requireIs(t, s.DeleteCharacter(t.Context(), "missing"), store.ErrNotFound)
	}},
	{"CharacterUpdate", func(t *testing.T, open Opener) {
		s := open(t)
		c := must(s.CreateCharacter(t.Context(), store.Character{Name: "Aria", Personality: "bold", Goals: []string{"a"}, CreatedAt: at(0)}))(t)
		newCharacter(t, s, "Bram")
		u := must(s.UpdateCharacter(t.Context(), c.ID, store.CharacterPatch{Background: ptr("new past"), Goals: ptr([]string{"b", "c"})}))(t)
		if u.Name != "Aria" || u.Personality != "bold" || u.Background != "new past" || !reflect.DeepEqual(u.Goals, []string{"b", "c"}) {
			t.Fatalf("patched character = %+v: only background and goals should change", u)
		}
		if !u.UpdatedAt.After(u.CreatedAt) || !u.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("UpdatedAt %v must move past CreatedAt %v, which stays", u.UpdatedAt, u.CreatedAt)
		}
		if got := must(s.GetCharacter(t.Context(), c.ID))(t); !reflect.DeepEqual(got, u) {
			t.Fatalf("after update GetCharacter = %+v, want %+v", got, u)
		}
		_, err := s.UpdateCharacter(t.Context(), c.ID, store.CharacterPatch{Name: ptr("")})
		requireInvalid(t, err, "name")
		_, err = s.UpdateCharacter(t.Context(), c.ID, store.CharacterPatch{Name: ptr("Bram")})
		requireIs(t, err, store.ErrConflict)
		renamed := must(s.UpdateCharacter(t.Context(), c.ID, store.CharacterPatch{Name: ptr("Aria II")}))(t)
		if renamed.Name != "Aria II" {
			t.Fatalf("rename: got %q", renamed.Name)
		}
		_, err = s.GetCharacterByName(t.Context(), "Aria")
		requireIs(t, err, store.ErrNotFound)
	}},
	{"DeleteCharacterCascades", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Doomed")
		other := newCharacter(t, s, "Survivor")
		m := newMemory(t, s, store.Memory{CharacterID: c.ID, UserID: "u1"})
		must(s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindSemantic, Text: "fact", Importance: 3}, []float32{1, 0}))(t)
		keep := newMemory(t, s, store.Memory{CharacterID: other.ID})
		must(s.UpdateCharacterState(ctx, c.ID, store.StatePatch{Emotion: ptr("afraid")}))(t)
		must(s.UpdateRelationship(ctx, c.ID, other.ID, store.RelationshipChange{AffinityDelta: 0.5, Reason: "saved me"}))(t)
		must(s.LogMessage(ctx, store.Message{CharacterID: c.ID, ChannelID: "ch", Role: store.RoleUser, Content: "hi"}))(t)
		ev := must(s.AddEvent(ctx, store.TimelineEvent{ChannelID: "ch", CharacterID: c.ID, Type: store.EventAction, Description: "left", Impact: 2}))(t)

		noErr(t, s.DeleteCharacter(ctx, c.ID))

		_, err := s.GetCharacter(ctx, c.ID)
		requireIs(t, err, store.ErrNotFound)
		_, err = s.GetMemory(ctx, m.ID)
		requireIs(t, err, store.ErrNotFound)
		want := store.Counts{Characters: 1, Memories: 1, Events: 1, Branches: 1}
		if got := count(t, s); got != want {
			t.Fatalf("after delete Count = %+v, want %+v (only the survivor, its memory and the timeline)", got, want)
		}
		if _, err := s.GetMemory(ctx, keep.ID); err != nil {
			t.Fatalf("other character's memory: %v", err)
		}
		if got := must(s.GetEvent(ctx, ev.ID))(t); got.CharacterID != c.ID {
			t.Fatalf("event kept %+v, want it to still name the deleted character", got)
		}
	}},
}

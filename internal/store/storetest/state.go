package storetest

import (
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

var stateTests = []contractTest{
	{"CharacterState", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		st := must(s.GetCharacterState(ctx, c.ID))(t)
		want := store.CharacterState{CharacterID: c.ID, Emotion: store.DefaultEmotion, Energy: store.DefaultEnergy}
		if !reflect.DeepEqual(st, want) {
			t.Fatalf("initial state = %+v, want %+v", st, want)
		}
		st = must(s.UpdateCharacterState(ctx, c.ID, store.StatePatch{Emotion: ptr("joyful"), Inventory: ptr([]string{"map"})}))(t)
		if st.Emotion != "joyful" || st.Energy != store.DefaultEnergy || !reflect.DeepEqual(st.Inventory, []string{"map"}) || st.UpdatedAt.IsZero() {
			t.Fatalf("after first update state = %+v", st)
		}
		st = must(s.UpdateCharacterState(ctx, c.ID, store.StatePatch{Energy: ptr(0), Location: ptr("harbour"), Goals: ptr([]string{"rest"})}))(t)
		want = store.CharacterState{CharacterID: c.ID, Emotion: "joyful", Energy: 0, Location: "harbour",
			Goals: []string{"rest"}, Inventory: []string{"map"}, UpdatedAt: st.UpdatedAt}
		if !reflect.DeepEqual(st, want) {
			t.Fatalf("after second update state = %+v, want %+v", st, want)
		}
		if got := must(s.GetCharacterState(ctx, c.ID))(t); !reflect.DeepEqual(got, st) {
			t.Fatalf("GetCharacterState = %+v, want %+v", got, st)
		}
		for _, e := range []int{-1, 101} {
			_, err := s.UpdateCharacterState(ctx, c.ID, store.StatePatch{Energy: ptr(e)})
			requireInvalid(t, err, "energy")
		}
		_, err := s.GetCharacterState(ctx, "ghost")
		requireIs(t, err, store.ErrNotFound)
		_, err = s.UpdateCharacterState(ctx, "ghost", store.StatePatch{Emotion: ptr("sad")})
		requireIs(t, err, store.ErrNotFound)
	}},
}

var relationshipTests = []contractTest{
	{"Relationships", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		rel := must(s.GetRelationship(ctx, c.ID, "u1"))(t)
		if !reflect.DeepEqual(rel, store.Relationship{CharacterID: c.ID, Target: "u1"}) {
			t.Fatalf("unknown relationship = %+v, want neutral", rel)
		}
		rel = must(s.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{AffinityDelta: 0.25, TrustDelta: -0.5, Reason: "joked", At: at(0)}))(t)
		rel = must(s.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{AffinityDelta: 0.25, TrustDelta: 0.25, Reason: "helped", At: at(1)}))(t)
		want := store.Relationship{CharacterID: c.ID, Target: "u1", Affinity: 0.5, Trust: -0.25, UpdatedAt: stored(at(1)), History: []store.RelationshipChange{
			{AffinityDelta: 0.25, TrustDelta: -0.5, Reason: "joked", At: stored(at(0))},
			{AffinityDelta: 0.25, TrustDelta: 0.25, Reason: "helped", At: stored(at(1))},
		}}
		if !reflect.DeepEqual(rel, want) {
			t.Fatalf("UpdateRelationship = %+v, want %+v", rel, want)
		}
		if got := must(s.GetRelationship(ctx, c.ID, "u1"))(t); !reflect.DeepEqual(got, want) {
			t.Fatalf("GetRelationship = %+v, want %+v", got, want)
		}
		// Values are clamped to -1..1; the history keeps the requested deltas.
		rel = must(s.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{AffinityDelta: 5, TrustDelta: -5, Reason: "extreme", At: at(2)}))(t)
		if rel.Affinity != 1 || rel.Trust != -1 || rel.History[2].AffinityDelta != 5 {
			t.Fatalf("after extreme change %+v, want affinity 1 and trust -1", rel)
		}
		must(s.UpdateRelationship(ctx, c.ID, "u0", store.RelationshipChange{TrustDelta: 0.1, Reason: "met", At: at(5)}))(t)
		list := must(s.ListRelationships(ctx, c.ID))(t)
		if len(list) != 2 || list[0].Target != "u0" || list[1].Target != "u1" {
			t.Fatalf("ListRelationships = %+v, want u0 (most recently changed) then u1", list)
		}
		_, err := s.UpdateRelationship(ctx, c.ID, "", store.RelationshipChange{AffinityDelta: 0.1})
		requireInvalid(t, err, "target")
		_, err = s.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{AffinityDelta: math.NaN()})
		requireInvalid(t, err, "affinity_delta")
		_, err = s.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{TrustDelta: math.Inf(1)})
		requireInvalid(t, err, "trust_delta")
		_, err = s.UpdateRelationship(ctx, "ghost", "u1", store.RelationshipChange{AffinityDelta: 0.1})
		requireIs(t, err, store.ErrNotFound)
		_, err = s.GetRelationship(ctx, "ghost", "u1")
		requireIs(t, err, store.ErrNotFound)
		_, err = s.ListRelationships(ctx, "ghost")
		requireIs(t, err, store.ErrNotFound)
		if l := must(s.ListRelationships(ctx, newCharacter(t, s, "Loner").ID))(t); len(l) != 0 {
			t.Fatalf("ListRelationships of a new character = %+v", l)
		}
	}},
	{"RelationshipConcurrentChanges", func(t *testing.T, open Opener) {
		s := open(t)
		c := newCharacter(t, s, "Aria")
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for range writers {
			wg.Go(func() {
				for range each {
					if _, err := s.UpdateRelationship(t.Context(), c.ID, "u1", store.RelationshipChange{AffinityDelta: 0.01, Reason: "kind word"}); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("UpdateRelationship: %v", err)
		}
		rel := must(s.GetRelationship(t.Context(), c.ID, "u1"))(t)
		if len(rel.History) != writers*each || math.Abs(rel.Affinity-0.8) > 1e-9 {
			t.Fatalf("after %d concurrent changes: affinity %v, %d history entries; updates were lost", writers*each, rel.Affinity, len(rel.History))
		}
	}},
}

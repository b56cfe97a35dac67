package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// consoleQueryTests cover the queries the web console shows a whole story
// tree with: channels, every event of a channel, and editing one event.
var consoleQueryTests = []contractTest{
	{"ListChannelsSortedAndDistinct", func(t *testing.T, open Opener) {
		s := open(t)
		if got := must(s.ListChannels(t.Context()))(t); len(got) != 0 {
			t.Fatalf("ListChannels of an empty store = %q, want none", got)
		}
		addEvents(t, s, "tavern", "main", "a", "b")
		addEvents(t, s, "docks", "main", "c")
		addEvents(t, s, "tavern", "night", "d")
		if got, want := must(s.ListChannels(t.Context()))(t), []string{"docks", "tavern"}; !slices.Equal(got, want) {
			t.Fatalf("ListChannels = %q, want %q", got, want)
		}
	}},
	{"ChannelEventsIncludeEveryBranchAndOrphanedHeads", func(t *testing.T, open Opener) {
		s := open(t)
		trunk := addEvents(t, s, "tavern", "main", "one", "two", "three")
		must(s.BranchTimeline(t.Context(), trunk[0].ID, "what-if"))(t)
		addEvents(t, s, "tavern", "what-if", "alt")
		// An explicit parent moves main's head off "three", which no branch
		// reaches any more; the tree still holds it.
		must(s.AddEvent(t.Context(), store.TimelineEvent{ChannelID: "tavern", ParentID: trunk[1].ID,
			Type: store.EventAction, Description: "retold", Impact: 1}))(t)
		addEvents(t, s, "docks", "main", "elsewhere")
		got := descriptions(must(s.ChannelEvents(t.Context(), "tavern"))(t))
		if want := []string{"one", "two", "three", "alt", "retold"}; !slices.Equal(got, want) {
			t.Fatalf("ChannelEvents(tavern) = %q, want %q (oldest first, other channels left out)", got, want)
		}
		requireInvalid(t, second(s.ChannelEvents(t.Context(), " ")), "channel_id")
	}},
	{"UpdateEventEditsTextTypeImpactOnly", func(t *testing.T, open Opener) {
		s := open(t)
		es := addEvents(t, s, "tavern", "main", "one", "two")
		text, typ, impact := "two, retold", store.EventDecision, 9
		got := must(s.UpdateEvent(t.Context(), es[1].ID, store.EventPatch{Description: &text, Type: &typ, Impact: &impact}))(t)
		stored := must(s.GetEvent(t.Context(), es[1].ID))(t)
		if stored.Description != text || stored.Type != typ || stored.Impact != impact {
			t.Fatalf("stored event = %+v, want the patched text, type and impact", stored)
		}
		if got.ParentID != es[0].ID || stored.ParentID != es[0].ID || stored.Branch != "main" || !stored.CreatedAt.Equal(es[1].CreatedAt) {
			t.Fatalf("stored event = %+v, want its parent, branch and time unchanged", stored)
		}
		bad := 11
		requireInvalid(t, second(s.UpdateEvent(t.Context(), es[1].ID, store.EventPatch{Impact: &bad})), "impact")
		badType := store.EventType("dance")
		requireInvalid(t, second(s.UpdateEvent(t.Context(), es[1].ID, store.EventPatch{Type: &badType})), "type")
		empty := "  "
		requireInvalid(t, second(s.UpdateEvent(t.Context(), es[1].ID, store.EventPatch{Description: &empty})), "description")
		if again := must(s.GetEvent(t.Context(), es[1].ID))(t); again.Impact != impact || again.Description != text {
			t.Fatalf("a refused update changed the event: %+v", again)
		}
		if _, err := s.UpdateEvent(t.Context(), "no-such-event", store.EventPatch{Impact: &impact}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UpdateEvent of an unknown event: error = %v, want ErrNotFound", err)
		}
	}},
}

// second returns the error of a two-valued call.
func second[T any](_ T, err error) error { return err }

package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// descriptions returns the descriptions of events in order.
func descriptions(es []store.TimelineEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Description)
	}
	return out
}

// addEvents appends events described by descs to the channel's branch.
func addEvents(t *testing.T, s store.Store, channel, branch string, descs ...string) []store.TimelineEvent {
	t.Helper()
	var out []store.TimelineEvent
	for _, d := range descs {
		out = append(out, must(s.AddEvent(t.Context(), store.TimelineEvent{
			ChannelID: channel, Branch: branch, Type: store.EventPlotPoint, Description: d, Impact: 3,
		}))(t))
	}
	return out
}

func timeline(t *testing.T, s store.Store, channel, branch string, limit int) []string {
	t.Helper()
	return descriptions(must(s.Timeline(t.Context(), channel, branch, limit))(t))
}

var timelineTests = []contractTest{
	{"TimelineAppendsToMain", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		first := must(s.AddEvent(ctx, store.TimelineEvent{
			ChannelID: "ch", CharacterID: c.ID, Type: store.EventCharacterIntro, Description: "Aria arrives",
			Impact: 5, Participants: []string{"Aria", "u1"}, CreatedAt: at(0),
		}))(t)
		if first.Branch != store.DefaultBranch || first.ParentID != "" || first.ID == "" {
			t.Fatalf("first event %+v: want branch main, no parent, an ID", first)
		}
		if got := must(s.GetEvent(ctx, first.ID))(t); !reflect.DeepEqual(got, first) {
			t.Fatalf("GetEvent = %+v, want %+v", got, first)
		}
		rest := addEvents(t, s, "ch", "", "storm", "shipwreck")
		if rest[0].ParentID != first.ID || rest[1].ParentID != rest[0].ID {
			t.Fatalf("parents: %q -> %q, want each event to follow the head", rest[0].ParentID, rest[1].ParentID)
		}
		if got := timeline(t, s, "ch", "", 0); !slices.Equal(got, []string{"Aria arrives", "storm", "shipwreck"}) {
			t.Fatalf("Timeline = %v, want oldest first", got)
		}
		if got := timeline(t, s, "ch", store.DefaultBranch, 2); !slices.Equal(got, []string{"storm", "shipwreck"}) {
			t.Fatalf("Timeline limit 2 = %v, want the newest two, oldest first", got)
		}
		branches := must(s.ListBranches(ctx, "ch"))(t)
		if len(branches) != 1 || branches[0].Name != store.DefaultBranch || branches[0].HeadEventID != rest[1].ID {
			t.Fatalf("ListBranches = %+v, want main at %s", branches, rest[1].ID)
		}
		// Channels are separate stories.
		addEvents(t, s, "other", "", "elsewhere")
		if got := timeline(t, s, "ch", "", 0); len(got) != 3 {
			t.Fatalf("another channel's event leaked into the timeline: %v", got)
		}
		if got := timeline(t, s, "empty-channel", "", 0); len(got) != 0 {
			t.Fatalf("a channel without events has timeline %v", got)
		}
	}},
	{"TimelineBranching", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		main := addEvents(t, s, "ch", "", "a", "b", "c")
		b := must(s.BranchTimeline(ctx, main[1].ID, "what-if"))(t)
		if b.ChannelID != "ch" || b.Name != "what-if" || b.HeadEventID != main[1].ID || b.CreatedAt.IsZero() {
			t.Fatalf("BranchTimeline = %+v", b)
		}
		if got := timeline(t, s, "ch", "what-if", 0); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("new branch timeline = %v, want the history up to the fork", got)
		}
		alt := addEvents(t, s, "ch", "what-if", "x", "y")
		if alt[0].ParentID != main[1].ID || alt[0].Branch != "what-if" {
			t.Fatalf("first event on the branch = %+v, want parent %s", alt[0], main[1].ID)
		}
		if got := timeline(t, s, "ch", "what-if", 0); !slices.Equal(got, []string{"a", "b", "x", "y"}) {
			t.Fatalf("branch timeline = %v", got)
		}
		addEvents(t, s, "ch", "main", "d")
		if got := timeline(t, s, "ch", "main", 0); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
			t.Fatalf("main after branching = %v, want it untouched by the branch", got)
		}
		// A branch of a branch.
		must(s.BranchTimeline(ctx, alt[0].ID, "deeper"))(t)
		addEvents(t, s, "ch", "deeper", "z")
		if got := timeline(t, s, "ch", "deeper", 2); !slices.Equal(got, []string{"x", "z"}) {
			t.Fatalf("nested branch, limit 2 = %v", got)
		}
		var names []string
		for _, b := range must(s.ListBranches(ctx, "ch"))(t) {
			names = append(names, b.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"deeper", "main", "what-if"}) {
			t.Fatalf("ListBranches = %v", names)
		}
		_, err := s.BranchTimeline(ctx, main[0].ID, "what-if")
		requireIs(t, err, store.ErrConflict)
		_, err = s.BranchTimeline(ctx, "no-such-event", "new")
		requireIs(t, err, store.ErrNotFound)
		_, err = s.BranchTimeline(ctx, main[0].ID, "")
		requireInvalid(t, err, "name")
		_, err = s.Timeline(ctx, "ch", "no-such-branch", 0)
		requireIs(t, err, store.ErrNotFound)
		if bs := must(s.ListBranches(ctx, "other"))(t); len(bs) != 0 {
			t.Fatalf("ListBranches of an unknown channel = %+v", bs)
		}
	}},
	{"TimelineExplicitParentAndNewBranch", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		main := addEvents(t, s, "ch", "", "a", "b")
		// Adding with an explicit parent to a branch that does not exist creates it there.
		e := must(s.AddEvent(ctx, store.TimelineEvent{ChannelID: "ch", Branch: "side", ParentID: main[0].ID, Type: store.EventDecision, Description: "turn back"}))(t)
		if e.ParentID != main[0].ID {
			t.Fatalf("explicit parent replaced: %+v", e)
		}
		if got := timeline(t, s, "ch", "side", 0); !slices.Equal(got, []string{"a", "turn back"}) {
			t.Fatalf("side timeline = %v", got)
		}
		if got := timeline(t, s, "ch", "", 0); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("main timeline = %v", got)
		}
	}},
	{"TimelineValidation", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		other := addEvents(t, s, "other", "", "elsewhere")
		valid := store.TimelineEvent{ChannelID: "ch", Type: store.EventDialogue, Description: "hello", Impact: 1}
		for _, tc := range []struct {
			field  string
			modify func(*store.TimelineEvent)
		}{
			{"type", func(e *store.TimelineEvent) { e.Type = "party" }},
			{"impact", func(e *store.TimelineEvent) { e.Impact = 11 }},
			{"impact", func(e *store.TimelineEvent) { e.Impact = -1 }},
			{"channel_id", func(e *store.TimelineEvent) { e.ChannelID = "" }},
			{"description", func(e *store.TimelineEvent) { e.Description = "" }},
			{"parent_id", func(e *store.TimelineEvent) { e.ParentID = "no-such-event" }},
			{"parent_id", func(e *store.TimelineEvent) { e.ParentID = other[0].ID }},
			{"character_id", func(e *store.TimelineEvent) { e.CharacterID = "ghost" }},
		} {
			e := valid
			tc.modify(&e)
			_, err := s.AddEvent(ctx, e)
			requireInvalid(t, err, tc.field)
		}
		if c := count(t, s); c.Events != 1 || c.Branches != 1 {
			t.Fatalf("rejected events left rows: %+v", c)
		}
		_, err := s.GetEvent(ctx, "missing")
		requireIs(t, err, store.ErrNotFound)
		_, err = s.Timeline(ctx, "", "", 0)
		requireInvalid(t, err, "channel_id")
		_, err = s.AddEvent(ctx, store.TimelineEvent{ID: other[0].ID, ChannelID: "other", Type: store.EventAction, Description: "again"})
		requireIs(t, err, store.ErrConflict)
	}},
	{"TimelineConcurrentAppends", func(t *testing.T, open Opener) {
		s := open(t)
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					_, err := s.AddEvent(t.Context(), store.TimelineEvent{
						ChannelID: "ch", Type: store.EventAction, Description: fmt.Sprintf("w%d-%d", w, i),
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("AddEvent: %v", err)
		}
		// Every append must have seen the previous head: one unbroken chain.
		if got := timeline(t, s, "ch", "", 0); len(got) != writers*each {
			t.Fatalf("main has %d events in its chain, want %d: concurrent appends forked the timeline", len(got), writers*each)
		}
	}},
}

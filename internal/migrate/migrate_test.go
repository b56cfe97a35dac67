package migrate

import (
	"fmt"
	"slices"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func eventIDs(es []store.TimelineEvent) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

func TestParentsFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []store.TimelineEvent
		want   []string
	}{
		{"already ordered", []store.TimelineEvent{{ID: "a"}, {ID: "b", ParentID: "a"}, {ID: "c", ParentID: "b"}}, []string{"a", "b", "c"}},
		{"child before parent", []store.TimelineEvent{{ID: "c", ParentID: "b"}, {ID: "a"}, {ID: "b", ParentID: "a"}}, []string{"a", "b", "c"}},
		{"two branches", []store.TimelineEvent{{ID: "x", ParentID: "b"}, {ID: "a"}, {ID: "y", ParentID: "a"}, {ID: "b", ParentID: "a"}}, []string{"a", "b", "x", "y"}},
		{"parent outside the set", []store.TimelineEvent{{ID: "b", ParentID: "elsewhere"}, {ID: "a"}}, []string{"b", "a"}},
		{"cycle ends the walk", []store.TimelineEvent{{ID: "a", ParentID: "b"}, {ID: "b", ParentID: "a"}}, []string{"b", "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := eventIDs(parentsFirst(tc.events)); !slices.Equal(got, tc.want) {
				t.Fatalf("parentsFirst = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParentsFirstDeepChain(t *testing.T) {
	// A long story listed newest first: recursion this deep would be a problem.
	const n = 200_000
	events := make([]store.TimelineEvent, n)
	for i := range n {
		events[n-1-i] = store.TimelineEvent{ID: fmt.Sprint(i)}
		if i > 0 {
			events[n-1-i].ParentID = fmt.Sprint(i - 1)
		}
	}
	for i, e := range parentsFirst(events) {
		if e.ID != fmt.Sprint(i) {
			t.Fatalf("position %d holds event %s", i, e.ID)
		}
	}
}

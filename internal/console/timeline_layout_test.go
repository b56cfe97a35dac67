package console

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// tree builds events from "id<parent" specs, oldest first; "a" is a root.
func tree(specs ...string) []store.TimelineEvent {
	var out []store.TimelineEvent
	for _, s := range specs {
		id, parent, _ := strings.Cut(s, "<")
		out = append(out, store.TimelineEvent{ID: id, ParentID: parent})
	}
	return out
}

// places renders a layout as "id:depth/lane" in layout order.
func places(t storyTree) string {
	var parts []string
	for _, e := range t.Events {
		parts = append(parts, fmt.Sprintf("%s:%d/%d", e.ID, e.Depth, e.Lane))
	}
	return strings.Join(parts, " ")
}

func TestLayoutTree(t *testing.T) {
	for _, tc := range []struct {
		name         string
		events       []store.TimelineEvent
		want         string
		lanes, depth int
	}{
		{"empty", nil, "", 0, 0},
		{"one line", tree("a", "b<a", "c<b"), "a:0/0 b:1/0 c:2/0", 1, 3},
		{"a fork: the first child keeps the lane", tree("a", "b<a", "c<a"), "a:0/0 b:1/0 c:1/1", 2, 2},
		{
			// b's subtree takes lanes 0 and 1, so a's second child goes below both: no crossing.
			"a later sibling goes below the elder's whole subtree",
			tree("a", "b<a", "c<b", "d<b", "e<a", "f<e"),
			"a:0/0 b:1/0 c:2/0 d:2/1 e:1/2 f:2/2", 3, 3,
		},
		{"two roots", tree("a", "b<a", "x", "y<x"), "a:0/0 b:1/0 x:0/1 y:1/1", 2, 2},
		{"a missing parent makes a root", tree("a", "b<gone", "c<b"), "a:0/0 b:0/1 c:1/1", 2, 2},
		{"a self-parent is a root, not a loop", tree("a<a"), "a:0/0", 1, 1},
		{"three-way fork in age order", tree("a", "b<a", "c<a", "d<a"), "a:0/0 b:1/0 c:1/1 d:1/2", 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := layoutTree(tc.events)
			if places(got) != tc.want || got.Lanes != tc.lanes || got.Depth != tc.depth {
				t.Fatalf("layout = %q (%d lanes, depth %d), want %q (%d lanes, depth %d)",
					places(got), got.Lanes, got.Depth, tc.want, tc.lanes, tc.depth)
			}
		})
	}
}

func TestLayoutDeepStoryNeedsNoRecursion(t *testing.T) {
	events := []store.TimelineEvent{{ID: "e0"}}
	for i := 1; i < 50000; i++ {
		events = append(events, store.TimelineEvent{ID: fmt.Sprintf("e%d", i), ParentID: fmt.Sprintf("e%d", i-1)})
	}
	got := layoutTree(events)
	if got.Depth != 50000 || got.Lanes != 1 {
		t.Fatalf("depth %d, lanes %d", got.Depth, got.Lanes)
	}
	if p := got.path("e100"); len(p) != 50000 || p[0].ID != "e0" || p[len(p)-1].ID != "e49999" {
		t.Fatalf("path through e100 has %d events", len(p))
	}
}

func TestTreePath(t *testing.T) {
	st := layoutTree(tree("a", "b<a", "c<b", "d<b", "e<d"))
	for id, want := range map[string]string{
		"a": "a b c", // on through first children
		"d": "a b d e",
		"e": "a b d e",
		"x": "",
	} {
		var ids []string
		for _, e := range st.path(id) {
			ids = append(ids, e.ID)
		}
		if got := strings.Join(ids, " "); got != want {
			t.Errorf("path(%s) = %q, want %q", id, got, want)
		}
	}
}

package console

import "github.com/mojin/charsim/internal/store"

// placedEvent is an event with its place in the drawn tree: Depth is its
// distance from its root (the column), Lane its row.
type placedEvent struct {
	store.TimelineEvent
	Depth, Lane int
}

// storyTree is a channel's events laid out as a tree.
type storyTree struct {
	Events []placedEvent // in layout order (depth-first, first child first)
	Lanes  int
	Depth  int // the greatest depth + 1
	index  map[string]int
	kids   map[string][]string
}

// layoutTree places events (oldest first, as ChannelEvents returns them)
// like a commit graph: a first child continues its parent's lane, every
// later child opens a new lane below everything its elder siblings' subtrees
// used, so that edges never cross. An event whose parent is not among
// events (or that has none) is a root and starts a lane of its own.
func layoutTree(events []store.TimelineEvent) storyTree {
	t := storyTree{index: map[string]int{}, kids: map[string][]string{}}
	known := make(map[string]store.TimelineEvent, len(events))
	for _, e := range events {
		known[e.ID] = e
	}
	var roots []string
	for _, e := range events {
		if _, ok := known[e.ParentID]; ok && e.ParentID != e.ID {
			t.kids[e.ParentID] = append(t.kids[e.ParentID], e.ID)
		} else {
			roots = append(roots, e.ID)
		}
	}
	type step struct {
		id          string
		depth, lane int
	}
	// An explicit stack rather than recursion: a story can be thousands
	// of events deep.
	var stack []step
	for _, root := range roots {
		stack = append(stack, step{id: root, lane: t.Lanes})
		t.Lanes++
		for len(stack) > 0 {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if _, seen := t.index[s.id]; seen {
				continue
			}
			if s.lane >= t.Lanes {
				t.Lanes = s.lane + 1
			}
			if s.lane < 0 { // a later sibling: its lane comes after all used so far
				s.lane = t.Lanes
				t.Lanes++
			}
			t.index[s.id] = len(t.Events)
			t.Events = append(t.Events, placedEvent{TimelineEvent: known[s.id], Depth: s.depth, Lane: s.lane})
			t.Depth = max(t.Depth, s.depth+1)
			kids := t.kids[s.id]
			// Pushed in reverse, so the first child is visited first; later
			// children get their lane only when visited (-1 until then).
			for i := len(kids) - 1; i >= 0; i-- {
				lane := -1
				if i == 0 {
					lane = s.lane
				}
				stack = append(stack, step{id: kids[i], depth: s.depth + 1, lane: lane})
			}
		}
	}
	return t
}

// get returns the placed event with this ID.
func (t storyTree) get(id string) (placedEvent, bool) {
	i, ok := t.index[id]
	if !ok {
		return placedEvent{}, false
	}
	return t.Events[i], true
}

// path is the line of events through id: from its root down to it, then on
// through first children to a leaf, which is what reading "this branch of
// the story" means.
func (t storyTree) path(id string) []placedEvent {
	e, ok := t.get(id)
	if !ok {
		return nil
	}
	var up []placedEvent
	for cur, ok := e, true; ok; cur, ok = t.get(cur.ParentID) {
		up = append(up, cur)
		if cur.ParentID == "" || len(up) > len(t.Events) {
			break
		}
	}
	out := make([]placedEvent, 0, len(up))
	for i := len(up) - 1; i >= 0; i-- {
		out = append(out, up[i])
	}
	for cur := e; len(t.kids[cur.ID]) > 0 && len(out) <= len(t.Events); {
		cur, _ = t.get(t.kids[cur.ID][0])
		out = append(out, cur)
	}
	return out
}

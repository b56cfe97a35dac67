package console

import (
	"fmt"
	"strings"
)

// Geometry of the drawn tree, in SVG user units (pixels at 100%).
const (
	svgColumn = 64
	svgRow    = 48
	svgPad    = 28
	svgRadius = 11
)

// svgNode is one event's circle; its href selects it.
type svgNode struct {
	ID, Href, Label, Title string
	X, Y                   int
	// Class is "node" plus on-path, selected, dim (filtered out) and the event type.
	Class string
	// Heads names the branches whose head this event is.
	Heads string
}

// svgEdge joins a parent to a child.
type svgEdge struct {
	D     string
	Class string
}

// svgTree is what templates/timeline.html draws.
type svgTree struct {
	Width, Height int
	Nodes         []svgNode
	Edges         []svgEdge
}

func nodeX(depth int) int { return svgPad + depth*svgColumn }
func nodeY(lane int) int  { return svgPad + lane*svgRow }

// drawTree lays t out as SVG shapes. onPath and matches mark events; href
// makes each node's link; heads maps an event ID to its branches' names.
func drawTree(t storyTree, selected string, onPath map[string]bool, matches func(placedEvent) bool,
	href func(id string) string, heads map[string][]string) svgTree {
	out := svgTree{Width: nodeX(max(t.Depth-1, 0)) + svgPad + 120, Height: nodeY(max(t.Lanes-1, 0)) + svgPad}
	for _, e := range t.Events {
		x, y := nodeX(e.Depth), nodeY(e.Lane)
		if p, ok := t.get(e.ParentID); ok && e.ParentID != "" {
			px, py := nodeX(p.Depth), nodeY(p.Lane)
			d := fmt.Sprintf("M%d %d H%d", px, py, x)
			if py != y { // down to the branch's lane, then along it
				d = fmt.Sprintf("M%d %d V%d H%d", px, py, y, x)
			}
			class := "edge"
			if onPath[e.ID] && onPath[p.ID] {
				class += " on-path"
			}
			out.Edges = append(out.Edges, svgEdge{D: d, Class: class})
		}
		class := []string{"node", "type-" + string(e.Type)}
		if onPath[e.ID] {
			class = append(class, "on-path")
		}
		if e.ID == selected {
			class = append(class, "selected")
		}
		if !matches(e) {
			class = append(class, "dim")
		}
		out.Nodes = append(out.Nodes, svgNode{
			ID: e.ID, Href: href(e.ID), X: x, Y: y, Class: strings.Join(class, " "),
			Label: fmt.Sprintf("%d", e.Impact),
			Title: fmt.Sprintf("%s (impact %d): %s", e.Type, e.Impact, clipText(e.Description, 140)),
			Heads: strings.Join(heads[e.ID], ", "),
		})
	}
	return out
}

// clipText shortens s to at most n characters.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

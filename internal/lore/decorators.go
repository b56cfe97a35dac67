package lore

import (
	"strconv"
	"strings"
)

// Character Card V3 decorators: lines at the top of an entry's content
// that start with @@ (or @@@ for a fallback of the decorator above). They
// are never inserted into the prompt. Those understood here:
//
//	@@activate            activate in any case (but a disabled entry stays off)
//	@@dont_activate       never activate, unless @@activate is present too
//	@@scan_depth N        scan the last N messages, whatever the book says
//	@@depth N             insert at depth N (PositionAtDepth), unless @@position
//	@@role R              the at-depth role: system, user or assistant
//	@@position P          before_desc → before_char, after_desc → after_char
//	@@additional_keys a,b also require one of these keys (AND ANY)
//	@@exclude_keys a,b    do not activate if any of these keys matches
//
// An unknown decorator, or one with a value that does not parse, is
// ignored, and then its @@@ fallbacks are tried in turn, as the spec says.
// Only the first decorator of a name counts.
type decorators struct {
	activate, dontActivate bool
	scanDepth              *int
	depth                  *int
	role                   *Role
	position               *Position
	additionalKeys         []string
	excludeKeys            []string
}

// parseDecorators splits the leading decorator lines from content.
func parseDecorators(content string) (decorators, string) {
	var d decorators
	rest := strings.TrimLeft(content, "\r\n")
	if !strings.HasPrefix(rest, "@@") {
		return d, content
	}
	seen := map[string]bool{}
	satisfied := false // whether the current decorator chain was understood
	for strings.HasPrefix(rest, "@@") {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		line = strings.TrimRight(line, "\r")
		fallback := strings.HasPrefix(line, "@@@")
		name, value, _ := strings.Cut(strings.TrimLeft(line, "@"), " ")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if fallback && satisfied {
			continue
		}
		ok := false
		if !seen[name] {
			ok = d.apply(name, value)
			if ok {
				seen[name] = true
			}
		} else {
			ok = true // a repeated decorator: the first one counts
		}
		satisfied = ok
	}
	return d, strings.TrimLeft(rest, "\r\n")
}

// apply records one decorator and reports whether it was understood.
func (d *decorators) apply(name, value string) bool {
	number := func() (*int, bool) {
		n, err := strconv.Atoi(value)
		if err != nil {
			return nil, false
		}
		return &n, true
	}
	var ok bool
	switch name {
	case "activate":
		d.activate = true
		return true
	case "dont_activate":
		d.dontActivate = true
		return true
	case "scan_depth":
		d.scanDepth, ok = number()
		return ok
	case "depth":
		d.depth, ok = number()
		return ok
	case "role":
		var r Role
		switch strings.ToLower(value) {
		case "system":
			r = RoleSystem
		case "user":
			r = RoleUser
		case "assistant":
			r = RoleAssistant
		default:
			return false
		}
		d.role = &r
		return true
	case "position":
		var p Position
		switch strings.ToLower(value) {
		case "before_desc":
			p = PositionBeforeChar
		case "after_desc":
			p = PositionAfterChar
		default:
			return false // personality, scenario: no such place in charsim's prompt
		}
		d.position = &p
		return true
	case "additional_keys":
		d.additionalKeys = splitKeys(value)
		return len(d.additionalKeys) > 0
	case "exclude_keys":
		d.excludeKeys = splitKeys(value)
		return len(d.excludeKeys) > 0
	}
	return false
}

func splitKeys(value string) []string {
	var out []string
	for _, k := range strings.Split(value, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// placement is where the entry goes, its own fields overridden by the
// decorators.
func (d *decorators) placement(e *Entry) Placement {
	p := Placement{Position: e.Position}
	switch e.Position {
	case PositionAtDepth:
		p.Depth, p.Role = e.Depth, e.Role
	case PositionOutlet:
		p.Outlet = e.Outlet
	}
	switch {
	case d.position != nil:
		p = Placement{Position: *d.position}
	case d.depth != nil:
		p = Placement{Position: PositionAtDepth, Depth: max(*d.depth, 0), Role: p.Role}
	}
	if d.role != nil && p.Position == PositionAtDepth {
		p.Role = *d.role
	}
	return p
}

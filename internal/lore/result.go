package lore

import "fmt"

// Message is one chat message to scan.
type Message struct {
	Name string // the speaker; scanned as "Name: Text" with Input.IncludeNames
	Text string
}

// TriggerKind says why an entry activated.
type TriggerKind int

const (
	TriggerConstant TriggerKind = iota // a constant entry
	TriggerKey                         // a primary key matched (and the secondary keys agreed)
)

func (k TriggerKind) String() string {
	if k == TriggerConstant {
		return "constant"
	}
	return "key"
}

// Trigger records what activated an entry.
type Trigger struct {
	Kind TriggerKind
	// Key is the primary key that matched, macros replaced.
	Key string
	// Message is the index in Input.Messages of the newest scanned message
	// holding Key, or -1 when the key was found in an entry's content.
	Message int
	// Entry is the activated entry whose content held Key (recursion), or nil.
	Entry *EntryRef
}

// Activation is one activated entry.
type Activation struct {
	Ref   EntryRef
	Entry *Entry // the entry as given in Input.Books; never modified
	// Placement is where Content goes: the entry's position, or its
	// decorators' (@@depth, @@position, @@role).
	Placement
	// Content is the text to insert: Entry.Content without its decorators,
	// with the macros replaced.
	Content string
	Tokens  int // Content's cost by Input.Tokens
	// Step is the sweep that activated the entry: 1 scans the messages (and
	// takes the constant entries), 2 and later scan the content of entries
	// activated in the sweep before.
	Step    int
	Trigger Trigger
}

// DropReason says why an activated entry is not in the prompt.
type DropReason int

const (
	// DroppedBookBudget: its book's TokenBudget was spent.
	DroppedBookBudget DropReason = iota
	// DroppedTotalBudget: Input.TokenBudget was spent.
	DroppedTotalBudget
	// DroppedDuplicate: a kept entry carries the same content.
	DroppedDuplicate
)

func (r DropReason) String() string {
	switch r {
	case DroppedBookBudget:
		return "book budget"
	case DroppedTotalBudget:
		return "total budget"
	case DroppedDuplicate:
		return "duplicate"
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// Dropped is an activated entry left out of the prompt.
type Dropped struct {
	Activation
	Reason      DropReason
	DuplicateOf *EntryRef // for DroppedDuplicate: the kept entry
}

// EntryError is an entry that took no part in the scan because it is
// broken: a key that does not compile, or an unknown selective logic.
type EntryError struct {
	Ref EntryRef
	Err error
}

func (e EntryError) Error() string { return fmt.Sprintf("lore entry %s: %v", e.Ref, e.Err) }

// Result is what Activate found.
type Result struct {
	// Activated are the entries to insert, in prompt order: grouped by
	// position (see Groups), by insertion order within a group.
	Activated []Activation
	// Dropped are activated entries the budget or deduplication left out,
	// in the order they were ranked.
	Dropped []Dropped
	// Errors are broken entries, in book stacking order.
	Errors []EntryError
	// Shadowed are books left out because a more specific copy was used.
	Shadowed []ShadowedBook
	// Tokens is the total cost of Activated.
	Tokens int
	// Steps is the number of sweeps run (1 without recursion).
	Steps int
}

// Placement is one place in the prompt.
type Placement struct {
	Position Position
	Depth    int    // for PositionAtDepth: messages from the end (0 = after the last)
	Role     Role   // for PositionAtDepth
	Outlet   string // for PositionOutlet
}

// Group is the activated entries of one place in the prompt.
type Group struct {
	Placement
	Entries []Activation
}

// Groups splits Activated by place in the prompt, in the order of
// Activated: before_char, after_char, before_examples, after_examples,
// an_top, an_bottom, at_depth (deepest first, then by role), outlets (by
// name), and any unknown positions last.
func (r Result) Groups() []Group {
	var out []Group
	for _, a := range r.Activated {
		if n := len(out); n > 0 && out[n-1].Placement == a.Placement {
			out[n-1].Entries = append(out[n-1].Entries, a)
			continue
		}
		out = append(out, Group{Placement: a.Placement, Entries: []Activation{a}})
	}
	return out
}

// Content returns the content of the group's entries joined by newlines,
// ready to insert.
func (g Group) Content() string {
	n := 0
	for _, a := range g.Entries {
		n += len(a.Content) + 1
	}
	b := make([]byte, 0, n)
	for i, a := range g.Entries {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, a.Content...)
	}
	return string(b)
}

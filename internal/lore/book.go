package lore

import (
	"fmt"
	"strings"
)

// Book is one lorebook: a card's character_book, a SillyTavern world-info
// file, or a book an operator wrote through the lore tools.
type Book struct {
	// Name identifies the book. Two books with the same non-empty name in
	// the input are the same book seen through two scopes; see scope.go.
	Name  string
	Scope Scope

	// ScanDepth is how many of the most recent messages are scanned for
	// keys. nil means DefaultScanDepth; 0 scans no messages, so only
	// constant entries and recursion can activate anything.
	ScanDepth *int
	// TokenBudget caps the tokens this book's entries may use together.
	// 0 means the book sets no cap of its own (Input.TokenBudget may).
	TokenBudget int
	// RecursiveScanning lets this book's entries be activated by the
	// content of other activated entries.
	RecursiveScanning bool
	// MaxRecursionSteps is how many recursive sweeps may activate this
	// book's entries after the sweep over the messages. 0 means no limit of
	// its own: recursion still ends, because an entry activates at most once.
	MaxRecursionSteps int

	Entries []Entry
}

// Entry is one world-info entry.
type Entry struct {
	// ID is the entry's identifier inside its book (character_book id, or
	// SillyTavern uid). It may be empty; the entry's index identifies it then.
	ID      string
	Comment string // title/memo: never scanned, never inserted
	Content string // inserted into the prompt when the entry is kept

	// Keys are the primary keys: the entry matches when any of them does.
	// A key written /pattern/flags is a regular expression (SillyTavern's
	// syntax); with UseRegex every key is a pattern, slashes optional.
	Keys []string
	// SecondaryKeys filter a primary match under Logic, when Selective.
	SecondaryKeys []string
	Selective     bool
	Logic         Logic
	UseRegex      bool

	// CaseSensitive makes plain keys match case exactly. Regex keys follow
	// their own flags instead.
	CaseSensitive bool
	// WholeWords makes plain keys match only at word boundaries; see
	// match.go for the rule with scripts written without spaces.
	WholeWords bool

	Constant bool // activates without any key
	// Enabled must be set for the entry to take part (the zero Entry is
	// disabled); importers take it from the card's enabled, or from
	// SillyTavern's disable negated. A disabled entry never activates,
	// constant or not.
	Enabled bool

	// InsertionOrder places the entry in the prompt: lower comes earlier.
	// It also breaks ties between equal priorities when the budget cuts
	// (higher order survives, as in SillyTavern).
	InsertionOrder int
	// Priority decides what the budget keeps: higher survives.
	Priority int

	Position Position
	Depth    int    // for PositionAtDepth: messages from the end (0 = last)
	Role     Role   // for PositionAtDepth
	Outlet   string // for PositionOutlet: the outlet's name

	// ScanDepth overrides the book's scan depth for this entry.
	ScanDepth *int

	// ExcludeRecursion: the entry cannot be activated by another entry's
	// content, only by the messages (SillyTavern's "non-recursable").
	ExcludeRecursion bool
	// PreventRecursion: the entry's content activates nothing else.
	PreventRecursion bool
	// DelayUntilRecursion: the entry activates only in recursive sweeps.
	DelayUntilRecursion bool
}

// DefaultScanDepth is the number of messages scanned when neither the book
// nor the entry says: SillyTavern's default.
const DefaultScanDepth = 2

// MaxScanDepth bounds any scan depth, as SillyTavern does.
const MaxScanDepth = 1000

// Scope says where a book comes from. The constants are listed in stacking
// order, most specific first; see scope.go.
type Scope int

const (
	// ScopeChannel: a book attached to one Discord channel or console room.
	ScopeChannel Scope = iota
	// ScopeCharacter: the character's own book (its card's character_book).
	ScopeCharacter
	// ScopeWorld: a book shared by every character of a simulation.
	ScopeWorld
)

func (s Scope) String() string {
	switch s {
	case ScopeChannel:
		return "channel"
	case ScopeCharacter:
		return "character"
	case ScopeWorld:
		return "world"
	}
	return fmt.Sprintf("scope(%d)", int(s))
}

// ParseScope reads the names String writes.
func ParseScope(s string) (Scope, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "channel":
		return ScopeChannel, nil
	case "character":
		return ScopeCharacter, nil
	case "world":
		return ScopeWorld, nil
	}
	return 0, fmt.Errorf("lore: unknown scope %q (want channel, character or world)", s)
}

// Logic combines the secondary keys with a primary match. The values are
// SillyTavern's selectiveLogic numbers, so imported files map directly.
type Logic int

const (
	LogicAndAny Logic = 0 // activate if any secondary key matches
	LogicNotAll Logic = 1 // activate unless every secondary key matches
	LogicNotAny Logic = 2 // activate only if no secondary key matches
	LogicAndAll Logic = 3 // activate only if every secondary key matches
)

func (l Logic) String() string {
	switch l {
	case LogicAndAny:
		return "and_any"
	case LogicNotAll:
		return "not_all"
	case LogicNotAny:
		return "not_any"
	case LogicAndAll:
		return "and_all"
	}
	return fmt.Sprintf("logic(%d)", int(l))
}

// ParseLogic reads the names String writes (also "AND ANY" and the like).
func ParseLogic(s string) (Logic, error) {
	n := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	for _, l := range []Logic{LogicAndAny, LogicNotAll, LogicNotAny, LogicAndAll} {
		if n == l.String() {
			return l, nil
		}
	}
	return 0, fmt.Errorf("lore: unknown selective logic %q (want and_any, and_all, not_any or not_all)", s)
}

// Position is where an entry's content goes in the prompt. The values are
// SillyTavern's position numbers, so imported files map directly; the
// card spec's strings are "before_char" and "after_char".
type Position int

const (
	PositionBeforeChar       Position = 0 // before the character definitions
	PositionAfterChar        Position = 1 // after the character definitions
	PositionAuthorNoteTop    Position = 2 // top of the author's note
	PositionAuthorNoteBottom Position = 3 // bottom of the author's note
	PositionAtDepth          Position = 4 // inside the chat, Depth messages from the end, as Role
	PositionBeforeExamples   Position = 5 // before the example dialogue
	PositionAfterExamples    Position = 6 // after the example dialogue
	PositionOutlet           Position = 7 // only where the prompt asks for the named outlet
)

var positionNames = map[Position]string{
	PositionBeforeChar:       "before_char",
	PositionAfterChar:        "after_char",
	PositionAuthorNoteTop:    "an_top",
	PositionAuthorNoteBottom: "an_bottom",
	PositionAtDepth:          "at_depth",
	PositionBeforeExamples:   "before_examples",
	PositionAfterExamples:    "after_examples",
	PositionOutlet:           "outlet",
}

func (p Position) String() string {
	if n, ok := positionNames[p]; ok {
		return n
	}
	return fmt.Sprintf("position(%d)", int(p))
}

// ParsePosition reads the names String writes, which include the card
// spec's "before_char" and "after_char".
func ParsePosition(s string) (Position, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	for p, name := range positionNames {
		if n == name {
			return p, nil
		}
	}
	return 0, fmt.Errorf("lore: unknown position %q", s)
}

// Role is the chat role of an at-depth entry: SillyTavern's numbers.
type Role int

const (
	RoleSystem    Role = 0
	RoleUser      Role = 1
	RoleAssistant Role = 2
)

func (r Role) String() string {
	switch r {
	case RoleSystem:
		return "system"
	case RoleUser:
		return "user"
	case RoleAssistant:
		return "assistant"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// EntryRef names one entry of one book in a Result.
type EntryRef struct {
	Scope Scope
	Book  string
	ID    string // Entry.ID, possibly empty
	Index int    // the entry's index in Book.Entries
}

func (r EntryRef) String() string {
	id := r.ID
	if id == "" {
		id = fmt.Sprintf("#%d", r.Index)
	}
	return fmt.Sprintf("%s/%s/%s", r.Scope, r.Book, id)
}

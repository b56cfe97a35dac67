package lore

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mojin/charsim/internal/macro"
)

// Input is everything Activate needs for one turn.
type Input struct {
	// Messages are the recent chat messages, oldest first, newest last.
	Messages []Message
	// Books are the books in scope, of any scopes, in any order: Activate
	// stacks them (see Scopes in the package documentation).
	Books []Book
	// Tokens counts the cost of an entry; nil means ApproxTokens.
	Tokens TokenCounter
	// TokenBudget caps the tokens of all activated entries together, on top
	// of each book's own TokenBudget. 0 means no overall cap.
	TokenBudget int
	// CharName and UserName replace {{char}} and {{user}} in keys and
	// content. An empty name leaves its macro as written.
	CharName, UserName string
	// IncludeNames scans each message as "Name: Text", so a key naming a
	// speaker matches their messages (SillyTavern's "include names").
	IncludeNames bool
}

// entryState is one entry during a scan.
type entryState struct {
	ref     EntryRef
	entry   *Entry
	book    *bookState
	order   int // position in stacking order over all books, for stable ties
	primary []keyMatcher
	filters []keyFilter // secondary keys, and the decorators' key conditions
	window  int         // index of the oldest message scanned for this entry
	content string      // decorators removed, macros replaced
	tokens  int
	place   Placement
	deco    decorators

	step    int  // the sweep that activated it
	hit     bool // a primary key matched
	trigger Trigger
	decided bool // activated, dropped or out of the scan
}

// keyFilter is a set of keys that must agree, under logic, with a primary
// match: the secondary keys, or a decorator's additional or excluded keys.
type keyFilter struct {
	keys  []keyMatcher
	hits  []bool
	logic Logic
}

func newFilter(keys []keyMatcher, logic Logic) keyFilter {
	return keyFilter{keys: keys, hits: make([]bool, len(keys)), logic: logic}
}

func (f *keyFilter) pass() bool {
	anyHit, allHit := false, true
	for _, h := range f.hits {
		anyHit = anyHit || h
		allHit = allHit && h
	}
	switch f.logic {
	case LogicNotAll:
		return !allHit
	case LogicNotAny:
		return !anyHit
	case LogicAndAll:
		return allHit
	default:
		return anyHit
	}
}

type bookState struct {
	book  *Book
	used  int
	full  bool // the budget cut one of its entries: later ones are cut too
	depth int  // effective scan depth of the book
}

// Activate scans the messages for the books' keys and returns the entries
// to insert, within the budgets. It never panics on any input and never
// modifies the books. See the package documentation for the semantics.
func Activate(in Input) Result {
	var res Result
	counter := in.Tokens
	if counter == nil {
		counter = ApproxTokens
	}
	mac := macros{names: macro.Names{Char: in.CharName, User: in.UserName}}

	stacked, shadowed := stackBooks(in.Books)
	res.Shadowed = shadowed

	// No scan depth reaches past MaxScanDepth, so older messages are not
	// even looked at: a caller may pass a whole chat log.
	first := max(len(in.Messages)-MaxScanDepth, 0)
	msgs := make([]segment, len(in.Messages)-first)
	for i, m := range in.Messages[first:] {
		text := m.Text
		if in.IncludeNames && m.Name != "" {
			text = m.Name + ": " + text
		}
		msgs[i] = segment{text: text, message: first + i}
	}

	var entries []*entryState
	for _, sb := range stacked {
		bs := &bookState{book: sb.book, depth: clampDepth(sb.book.ScanDepth, DefaultScanDepth)}
		for i := range sb.book.Entries {
			e := &sb.book.Entries[i]
			ref := EntryRef{Scope: sb.book.Scope, Book: sb.book.Name, ID: e.ID, Index: i}
			if !e.Enabled {
				continue
			}
			st, err := prepare(e, ref, bs, mac, len(msgs))
			if err != nil {
				res.Errors = append(res.Errors, EntryError{Ref: ref, Err: err})
				continue
			}
			if st == nil {
				continue
			}
			st.order = len(entries)
			entries = append(entries, st)
		}
	}

	// Tokens are counted only for activated entries: a tokenizer is the
	// costly part, and most entries of a large book do not activate.
	b := budget{total: in.TokenBudget, counter: counter, byContent: map[string]EntryRef{}}
	var recursion []segment // content of entries kept in the previous sweep
	for step := 1; ; step++ {
		res.Steps = step
		var found []*entryState
		for _, st := range entries {
			if st.decided || !st.eligible(step) {
				continue
			}
			switch {
			case st.constant(): // keys cannot change anything
			case step == 1:
				st.scan(msgs[st.window:], true)
			default:
				st.scan(recursion, false)
			}
			if step == 1 && st.entry.DelayUntilRecursion {
				continue
			}
			if st.activates() {
				found = append(found, st)
			}
		}
		// Entries that can never activate again leave the scan.
		for _, st := range entries {
			if !st.decided && !st.canActivateAfter(step) {
				st.decided = true
			}
		}
		kept := b.admit(found, step, &res)
		recursion = recursion[:0:0]
		for _, st := range kept {
			if !st.entry.PreventRecursion {
				ref := st.ref
				recursion = append(recursion, segment{text: st.content, message: -1, entry: &ref})
			}
		}
		if len(recursion) == 0 || b.totalFull || !anyPending(entries) {
			break
		}
	}

	sort.SliceStable(b.kept, func(i, j int) bool { return promptLess(b.kept[i], b.kept[j]) })
	res.Activated = make([]Activation, len(b.kept))
	for i, st := range b.kept {
		res.Activated[i] = st.activation()
	}
	res.Tokens = b.used
	return res
}

// prepare compiles an entry for the scan. It returns nil, nil for an entry
// that can never activate: one with nothing to insert, one with no keys
// that is not constant, or one with @@dont_activate.
func prepare(e *Entry, ref EntryRef, bs *bookState, mac macros, nmsgs int) (*entryState, error) {
	deco, body := parseDecorators(e.Content)
	content := strings.TrimSpace(mac.apply(body, nil))
	if content == "" {
		return nil, nil // the card spec: empty content adds nothing to the prompt
	}
	if deco.dontActivate && !deco.activate {
		return nil, nil
	}
	switch e.Logic {
	case LogicAndAny, LogicNotAll, LogicNotAny, LogicAndAll:
	default:
		return nil, fmt.Errorf("unknown selective logic %d", int(e.Logic))
	}
	primary, err := compileKeys(e.Keys, e, mac)
	if err != nil {
		return nil, err
	}
	st := &entryState{ref: ref, entry: e, book: bs, primary: primary, content: content, deco: deco, place: deco.placement(e)}
	for _, f := range []struct {
		keys  []string
		logic Logic
		use   bool
	}{
		{e.SecondaryKeys, e.Logic, e.Selective},
		{deco.additionalKeys, LogicAndAny, true},
		{deco.excludeKeys, LogicNotAny, true},
	} {
		keys, err := compileKeys(f.keys, e, mac)
		if err != nil {
			return nil, err
		}
		if f.use && len(keys) > 0 {
			st.filters = append(st.filters, newFilter(keys, f.logic))
		}
	}
	if len(primary) == 0 && !st.constant() {
		return nil, nil
	}
	depth := clampDepth(e.ScanDepth, bs.depth)
	if deco.scanDepth != nil {
		depth = clampDepth(deco.scanDepth, depth)
	}
	st.window = max(nmsgs-depth, 0)
	return st, nil
}

// constant reports whether the entry activates without keys.
func (st *entryState) constant() bool { return st.entry.Constant || st.deco.activate }

func clampDepth(d *int, fallback int) int {
	if d == nil {
		return fallback
	}
	return min(max(*d, 0), MaxScanDepth)
}

// eligible reports whether the entry may activate in this sweep.
func (st *entryState) eligible(step int) bool {
	e := st.entry
	if step == 1 {
		// A delayed entry still has its messages scanned in sweep 1, so
		// that later sweeps need only scan the new content.
		return true
	}
	if !st.book.book.RecursiveScanning || e.ExcludeRecursion {
		return false
	}
	limit := st.book.book.MaxRecursionSteps
	return limit <= 0 || step-1 <= limit
}

// canActivateAfter reports whether a sweep after this one could still
// activate the entry.
func (st *entryState) canActivateAfter(step int) bool {
	return st.eligible(step + 1)
}

// scan records the keys found in the segments. Keys are tried in the order
// written; the trigger is the first key that matched, in the newest
// message holding it.
func (st *entryState) scan(segs []segment, newestFirst bool) {
	if !st.hit {
		for k := range st.primary {
			if s := findKey(&st.primary[k], segs, newestFirst); s != nil {
				st.hit = true
				st.trigger = Trigger{Kind: TriggerKey, Key: st.primary[k].key, Message: s.message, Entry: s.entry}
				break
			}
		}
	}
	for i := range st.filters {
		f := &st.filters[i]
		for k := range f.keys {
			if !f.hits[k] && findKey(&f.keys[k], segs, newestFirst) != nil {
				f.hits[k] = true
			}
		}
	}
}

func findKey(k *keyMatcher, segs []segment, newestFirst bool) *segment {
	for i := range segs {
		j := i
		if newestFirst {
			j = len(segs) - 1 - i
		}
		if k.match(&segs[j]) {
			return &segs[j]
		}
	}
	return nil
}

// activates reports whether the entry activates now: it is constant, or a
// primary key matched and the secondary keys (and the decorators' key
// conditions) agree. The caller has already checked eligibility.
func (st *entryState) activates() bool {
	if st.constant() {
		st.trigger = Trigger{Kind: TriggerConstant, Message: -1}
		return true
	}
	if !st.hit {
		return false
	}
	for i := range st.filters {
		if !st.filters[i].pass() {
			return false
		}
	}
	return true
}

func anyPending(entries []*entryState) bool {
	for _, st := range entries {
		if !st.decided {
			return true
		}
	}
	return false
}

func (st *entryState) activation() Activation {
	return Activation{Ref: st.ref, Entry: st.entry, Placement: st.place, Content: st.content, Tokens: st.tokens, Step: st.step, Trigger: st.trigger}
}

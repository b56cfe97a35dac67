package lore

import "sort"

// The budget, as the package documentation ("Budget") states it: each
// sweep's activated entries are ranked by rankLess and admitted while they
// fit their book's budget and the total, the cut being a strict prefix so
// that a dropped entry never outranks a kept one. Sweeps are admitted in
// turn, so recursion only follows content that made it into the prompt.

type budget struct {
	counter   TokenCounter
	total     int
	used      int
	totalFull bool
	byContent map[string]EntryRef
	kept      []*entryState
}

func rankLess(a, b *entryState) bool {
	ea, eb := a.entry, b.entry
	if ea.Priority != eb.Priority {
		return ea.Priority > eb.Priority
	}
	if ca, cb := a.constant(), b.constant(); ca != cb {
		return ca
	}
	if pa, pb := a.ref.Scope.precedence(), b.ref.Scope.precedence(); pa != pb {
		return pa < pb
	}
	if ea.InsertionOrder != eb.InsertionOrder {
		return ea.InsertionOrder > eb.InsertionOrder
	}
	return a.order < b.order
}

// admit ranks one sweep's activated entries, keeps those the budgets allow
// and records the rest in res.Dropped. It returns the kept entries.
func (b *budget) admit(found []*entryState, step int, res *Result) []*entryState {
	sort.SliceStable(found, func(i, j int) bool { return rankLess(found[i], found[j]) })
	var kept []*entryState
	for _, st := range found {
		st.decided = true
		st.step = step
		st.tokens = max(b.counter.CountTokens(st.content), 0)
		if ref, dup := b.byContent[st.content]; dup {
			r := ref
			res.Dropped = append(res.Dropped, Dropped{Activation: st.activation(), Reason: DroppedDuplicate, DuplicateOf: &r})
			continue
		}
		bs := st.book
		switch {
		case b.totalFull:
			res.Dropped = append(res.Dropped, Dropped{Activation: st.activation(), Reason: DroppedTotalBudget})
			continue
		case bs.full:
			res.Dropped = append(res.Dropped, Dropped{Activation: st.activation(), Reason: DroppedBookBudget})
			continue
		case bs.book.TokenBudget > 0 && bs.used+st.tokens > bs.book.TokenBudget:
			bs.full = true
			res.Dropped = append(res.Dropped, Dropped{Activation: st.activation(), Reason: DroppedBookBudget})
			continue
		case b.total > 0 && b.used+st.tokens > b.total:
			b.totalFull = true
			res.Dropped = append(res.Dropped, Dropped{Activation: st.activation(), Reason: DroppedTotalBudget})
			continue
		}
		bs.used += st.tokens
		b.used += st.tokens
		b.byContent[st.content] = st.ref
		b.kept = append(b.kept, st)
		kept = append(kept, st)
	}
	return kept
}

// promptLess orders kept entries for the prompt: by place (Result.Groups),
// then InsertionOrder ascending (the card spec: lower is added earlier),
// then the least specific scope first, so the most specific canon sits
// nearest the reply, then stacking order.
func promptLess(a, b *entryState) bool {
	ea, eb := a.entry, b.entry
	pa, pb := a.place, b.place
	if ra, rb := positionRank(pa.Position), positionRank(pb.Position); ra != rb {
		return ra < rb
	}
	if pa.Position != pb.Position {
		return pa.Position < pb.Position // unknown positions, by value
	}
	if pa.Depth != pb.Depth {
		return pa.Depth > pb.Depth // deeper is earlier in the chat
	}
	if pa.Role != pb.Role {
		return pa.Role < pb.Role
	}
	if pa.Outlet != pb.Outlet {
		return pa.Outlet < pb.Outlet
	}
	if ea.InsertionOrder != eb.InsertionOrder {
		return ea.InsertionOrder < eb.InsertionOrder
	}
	if pa, pb := a.ref.Scope.precedence(), b.ref.Scope.precedence(); pa != pb {
		return pa > pb
	}
	return a.order < b.order
}

func positionRank(p Position) int {
	switch p {
	case PositionBeforeChar:
		return 0
	case PositionAfterChar:
		return 1
	case PositionBeforeExamples:
		return 2
	case PositionAfterExamples:
		return 3
	case PositionAuthorNoteTop:
		return 4
	case PositionAuthorNoteBottom:
		return 5
	case PositionAtDepth:
		return 6
	case PositionOutlet:
		return 7
	}
	return 8
}

package lore

import (
	"strings"
	"testing"
)

// words counts one token per word, so tests can size entries exactly.
var words = TokenCounterFunc(func(s string) int { return len(strings.Fields(s)) })

// sized returns an entry keyed "go" whose content is n words.
func sized(id string, n, priority, order int) Entry {
	e := on(id, "go")
	e.Content = strings.TrimSpace(id + strings.Repeat(" w", n-1))
	e.Priority, e.InsertionOrder = priority, order
	return e
}

func TestBudgetCutsLowestPriorityFirst(t *testing.T) {
	tests := []struct {
		name        string
		entries     []Entry
		bookBudget  int
		totalBudget int
		kept        string // in prompt order
		dropped     string // in rank order
	}{
		{
			name:    "no budget keeps all",
			entries: []Entry{sized("p1", 10, 1, 1), sized("p3", 10, 3, 2), sized("p2", 10, 2, 3)},
			kept:    "p1,p3,p2",
		},
		{
			name:       "book budget drops the lowest priority",
			entries:    []Entry{sized("p1", 10, 1, 1), sized("p3", 10, 3, 2), sized("p2", 10, 2, 3)},
			bookBudget: 20, kept: "p3,p2", dropped: "p1",
		},
		{
			name:        "total budget drops the lowest priority",
			entries:     []Entry{sized("p1", 10, 1, 1), sized("p3", 10, 3, 2), sized("p2", 10, 2, 3)},
			totalBudget: 25, kept: "p3,p2", dropped: "p1",
		},
		{
			name:       "exact fit is kept",
			entries:    []Entry{sized("a", 10, 1, 1), sized("b", 10, 1, 2)},
			bookBudget: 20, kept: "a,b",
		},
		{
			name:       "equal priority: higher insertion order survives",
			entries:    []Entry{sized("o1", 10, 0, 1), sized("o5", 10, 0, 5), sized("o3", 10, 0, 3)},
			bookBudget: 20, kept: "o3,o5", dropped: "o1",
		},
		{
			name:       "strict prefix: a big high-priority entry that does not fit stops the lower ones",
			entries:    []Entry{sized("big", 30, 5, 1), sized("small", 5, 1, 2), sized("mid", 10, 9, 3)},
			bookBudget: 20, kept: "mid", dropped: "big,small",
		},
		{
			name: "constant entries are budgeted too, ranked first at equal priority",
			entries: func() []Entry {
				c := sized("const", 10, 0, 1)
				c.Keys, c.Constant = nil, true
				return []Entry{sized("keyed", 10, 0, 9), c}
			}(),
			bookBudget: 15, kept: "const", dropped: "keyed",
		},
		{
			name: "priority outranks constant",
			entries: func() []Entry {
				c := sized("const", 10, 0, 1)
				c.Keys, c.Constant = nil, true
				return []Entry{sized("keyed", 10, 1, 9), c}
			}(),
			bookBudget: 15, kept: "keyed", dropped: "const",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := book(tt.entries...)
			b.TokenBudget = tt.bookBudget
			r := Activate(Input{Messages: msgs("go"), Books: []Book{b}, Tokens: words, TokenBudget: tt.totalBudget})
			checkIDs(t, "kept", activatedIDs(r), tt.kept)
			checkIDs(t, "dropped", droppedIDs(r), tt.dropped)
			sum := 0
			for _, a := range r.Activated {
				sum += a.Tokens
			}
			if sum != r.Tokens {
				t.Errorf("Tokens = %d, sum of kept = %d", r.Tokens, sum)
			}
			for _, d := range r.Dropped {
				want := DroppedBookBudget
				if tt.totalBudget > 0 {
					want = DroppedTotalBudget
				}
				if d.Reason != want {
					t.Errorf("%s dropped for %v, want %v", d.Ref.ID, d.Reason, want)
				}
			}
		})
	}
}

func TestBudgetPerBookAndTotal(t *testing.T) {
	world := Book{Name: "w", Scope: ScopeWorld, TokenBudget: 10,
		Entries: []Entry{sized("w1", 10, 2, 1), sized("w2", 10, 1, 2)}}
	char := Book{Name: "c", Scope: ScopeCharacter,
		Entries: []Entry{sized("c1", 10, 0, 3), sized("c2", 10, 0, 4)}}
	r := Activate(Input{Messages: msgs("go"), Books: []Book{world, char}, Tokens: words, TokenBudget: 25})
	// Rank: w1 (p2), w2 (p1, but its book is full), c2, c1 (equal priority:
	// higher insertion order first). Total 25 admits w1 and c2 only.
	checkIDs(t, "kept", activatedIDs(r), "w1,c2")
	checkIDs(t, "dropped", droppedIDs(r), "w2,c1")
	if r.Dropped[0].Reason != DroppedBookBudget || r.Dropped[1].Reason != DroppedTotalBudget {
		t.Errorf("reasons %v %v", r.Dropped[0].Reason, r.Dropped[1].Reason)
	}
}

func TestBudgetDirectBeforeRecursive(t *testing.T) {
	a := sized("a", 10, 1, 1)
	a.Content = "a mentions bee w w w w w w w" // 10 words
	b := sized("b", 10, 100, 2)
	b.Keys = []string{"bee"}
	c := sized("c", 10, 0, 3)
	bk := book(a, b, c)
	bk.RecursiveScanning = true
	r := Activate(Input{Messages: msgs("go"), Books: []Book{bk}, Tokens: words, TokenBudget: 20})
	// b has the highest priority but is only found through a's content, in
	// sweep 2, after the direct matches a and c have spent the budget.
	checkIDs(t, "kept", activatedIDs(r), "a,c")
	checkIDs(t, "dropped", droppedIDs(r), "b")

	// Once an entry has overflowed the total budget, recursion stops.
	r = Activate(Input{Messages: msgs("go"), Books: []Book{bk}, Tokens: words, TokenBudget: 15})
	checkIDs(t, "kept", activatedIDs(r), "a")
	if r.Steps != 1 {
		t.Errorf("steps = %d: recursion should stop when the total budget overflowed", r.Steps)
	}

	// With room, b is found and kept.
	r = Activate(Input{Messages: msgs("go"), Books: []Book{bk}, Tokens: words, TokenBudget: 30})
	checkIDs(t, "kept", activatedIDs(r), "a,b,c")
}

func TestRecursionOnlyFromKeptEntries(t *testing.T) {
	a := sized("a", 30, 0, 1)
	a.Content = "a mentions bee" + strings.Repeat(" w", 27)
	b := on("b", "bee")
	bk := book(a, b)
	bk.RecursiveScanning, bk.TokenBudget = true, 10
	r := Activate(Input{Messages: msgs("go"), Books: []Book{bk}, Tokens: words})
	checkIDs(t, "kept", activatedIDs(r), "")
	checkIDs(t, "dropped", droppedIDs(r), "a")
}

func TestDuplicateContentCostsNothing(t *testing.T) {
	a := sized("a", 10, 1, 1)
	b := sized("b", 10, 0, 2)
	b.Content = a.Content
	bk := book(a, b)
	bk.TokenBudget = 10
	r := Activate(Input{Messages: msgs("go"), Books: []Book{bk}, Tokens: words})
	checkIDs(t, "kept", activatedIDs(r), "a")
	if len(r.Dropped) != 1 || r.Dropped[0].Reason != DroppedDuplicate || r.Dropped[0].DuplicateOf.ID != "a" {
		t.Fatalf("dropped = %+v", r.Dropped)
	}
}

func TestApproxTokens(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"   ", 0},
		{"abcd", 1},
		{"abcde", 2},
		{"The quick brown fox", 4},
		{"東京", 2},
		{"私は東京", 4},
		{"東京 tower", 4},
	}
	for _, tt := range tests {
		if got := ApproxTokens.CountTokens(tt.text); got != tt.want {
			t.Errorf("ApproxTokens(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestDefaultCounterIsApprox(t *testing.T) {
	e := on("e", "go")
	e.Content = "abcdefgh"
	r := Activate(Input{Messages: msgs("go"), Books: []Book{book(e)}})
	if len(r.Activated) != 1 || r.Activated[0].Tokens != 2 || r.Tokens != 2 {
		t.Fatalf("tokens = %+v", r)
	}
}

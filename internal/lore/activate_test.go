package lore

import (
	"reflect"
	"testing"
)

func TestSelectiveLogic(t *testing.T) {
	tests := []struct {
		logic     Logic
		selective bool
		text      string
		want      bool
	}{
		{LogicAndAny, true, "sword", false},
		{LogicAndAny, true, "sword fire", true},
		{LogicAndAny, true, "sword fire ice", true},
		{LogicAndAll, true, "sword fire", false},
		{LogicAndAll, true, "sword fire ice", true},
		{LogicNotAny, true, "sword", true},
		{LogicNotAny, true, "sword fire", false},
		{LogicNotAll, true, "sword fire", true},
		{LogicNotAll, true, "sword fire ice", false},
		{LogicNotAll, true, "sword", true},
		{LogicAndAll, true, "fire ice", false}, // no primary key
		{LogicAndAll, false, "sword", true},    // not selective: secondary keys ignored
	}
	for _, tt := range tests {
		t.Run(tt.logic.String()+"/"+tt.text, func(t *testing.T) {
			e := on("e", "sword")
			e.SecondaryKeys = []string{"fire", "ice"}
			e.Selective, e.Logic = tt.selective, tt.logic
			r := Activate(Input{Messages: msgs(tt.text), Books: []Book{book(e)}})
			if got := len(r.Activated) == 1; got != tt.want {
				t.Errorf("activated = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSecondaryKeysAcrossMessagesInWindow(t *testing.T) {
	e := on("e", "sword")
	e.SecondaryKeys, e.Selective, e.Logic = []string{"fire"}, true, LogicAndAny
	r := Activate(Input{Messages: msgs("fire!", "my sword"), Books: []Book{book(e)}})
	checkIDs(t, "activated", activatedIDs(r), "e")
}

func TestUnknownLogicReported(t *testing.T) {
	e := on("e", "x")
	e.Logic = 9
	r := Activate(Input{Messages: msgs("x"), Books: []Book{book(e)}})
	if len(r.Activated) != 0 || len(r.Errors) != 1 {
		t.Fatalf("activated %d errors %v", len(r.Activated), r.Errors)
	}
}

func TestConstantDisabledEmpty(t *testing.T) {
	constant := on("constant")
	constant.Constant = true
	off := on("off", "dragon")
	off.Enabled = false
	offConstant := on("offconst")
	offConstant.Constant, offConstant.Enabled = true, false
	empty := on("empty", "dragon")
	empty.Content = "  "
	keyless := on("keyless")
	keyed := on("keyed", "dragon")
	r := Activate(Input{Messages: msgs("a dragon"), Books: []Book{book(constant, off, offConstant, empty, keyless, keyed)}})
	checkIDs(t, "activated", activatedIDs(r), "constant,keyed")
	for _, a := range r.Activated {
		if a.Ref.ID == "constant" && (a.Trigger.Kind != TriggerConstant || a.Step != 1) {
			t.Errorf("constant trigger %+v step %d", a.Trigger, a.Step)
		}
	}
	// Constant entries activate with no messages at all.
	r = Activate(Input{Books: []Book{book(constant, keyed)}})
	checkIDs(t, "no messages", activatedIDs(r), "constant")
}

func TestScanDepth(t *testing.T) {
	history := msgs("the dragon sleeps", "quiet", "quieter", "silence") // dragon is 4th from the end
	tests := []struct {
		name       string
		book, over *int
		want       string
	}{
		{"default depth 2 misses", nil, nil, ""},
		{"book depth 3 misses", intp(3), nil, ""},
		{"book depth 4 hits", intp(4), nil, "e"},
		{"book depth beyond history hits", intp(50), nil, "e"},
		{"book depth 0 scans nothing", intp(0), nil, ""},
		{"entry override widens", intp(1), intp(4), "e"},
		{"entry override narrows", intp(10), intp(3), ""},
		{"entry override 0", intp(10), intp(0), ""},
		{"negative depth is 0", intp(-5), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := on("e", "dragon")
			e.ScanDepth = tt.over
			b := book(e)
			b.ScanDepth = tt.book
			checkIDs(t, "activated", activatedIDs(Activate(Input{Messages: history, Books: []Book{b}})), tt.want)
		})
	}
}

func TestTriggerRecordsKeyAndNewestMessage(t *testing.T) {
	e := on("e", "absent", "dragon")
	b := book(e)
	b.ScanDepth = intp(10)
	r := Activate(Input{Messages: msgs("dragon one", "nothing", "dragon two", "end"), Books: []Book{b}})
	if len(r.Activated) != 1 {
		t.Fatal("not activated")
	}
	tr := r.Activated[0].Trigger
	if tr.Kind != TriggerKey || tr.Key != "dragon" || tr.Message != 2 || tr.Entry != nil {
		t.Errorf("trigger = %+v", tr)
	}
}

// chain builds a book where entry i's content mentions the key of entry i+1.
func chain(n int, recursive bool, maxSteps int) Book {
	b := Book{Name: "chain", Scope: ScopeWorld, RecursiveScanning: recursive, MaxRecursionSteps: maxSteps}
	for i := 0; i < n; i++ {
		id := string(rune('a' + i))
		e := on(id, "key-"+id)
		e.Content = id + " mentions key-" + string(rune('a'+i+1))
		e.InsertionOrder = i
		b.Entries = append(b.Entries, e)
	}
	return b
}

func TestRecursion(t *testing.T) {
	tests := []struct {
		name      string
		recursive bool
		maxSteps  int
		want      string
		steps     int
	}{
		{"no recursion", false, 0, "a", 1},
		{"unlimited", true, 0, "a,b,c,d,e", 5},
		{"one recursive step", true, 1, "a,b", 2},
		{"three recursive steps", true, 3, "a,b,c,d", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Activate(Input{Messages: msgs("key-a"), Books: []Book{chain(5, tt.recursive, tt.maxSteps)}})
			checkIDs(t, "activated", activatedIDs(r), tt.want)
			for i, a := range r.Activated {
				if a.Step != i+1 {
					t.Errorf("%s step %d, want %d", a.Ref.ID, a.Step, i+1)
				}
				if i > 0 && (a.Trigger.Entry == nil || a.Trigger.Entry.ID != r.Activated[i-1].Ref.ID || a.Trigger.Message != -1) {
					t.Errorf("%s trigger %+v", a.Ref.ID, a.Trigger)
				}
			}
			if r.Steps > tt.steps+1 {
				t.Errorf("steps = %d, want at most %d", r.Steps, tt.steps+1)
			}
		})
	}
}

func TestRecursionCycleTerminates(t *testing.T) {
	a := on("A", "alpha")
	a.Content = "A knows beta"
	b := on("B", "beta")
	b.Content = "B knows alpha"
	bk := book(a, b)
	bk.RecursiveScanning = true
	r := Activate(Input{Messages: msgs("alpha"), Books: []Book{bk}})
	checkIDs(t, "activated", activatedIDs(r), "A,B")
	if r.Steps != 2 {
		t.Errorf("steps = %d, want 2", r.Steps)
	}
}

func TestRecursionFlags(t *testing.T) {
	mk := func(mod func(b *Entry, c *Entry)) Book {
		a := on("a", "start")
		a.Content = "a mentions bee and sea"
		b := on("b", "bee")
		b.Content = "b mentions dee"
		c := on("c", "sea")
		d := on("d", "dee")
		mod(&b, &c)
		bk := book(a, b, c, d)
		bk.RecursiveScanning = true
		return bk
	}
	tests := []struct {
		name string
		mod  func(b, c *Entry)
		text string
		want string
	}{
		{"plain", func(b, c *Entry) {}, "start", "a,b,c,d"},
		{"exclude recursion", func(b, c *Entry) { b.ExcludeRecursion = true }, "start", "a,c"},
		{"exclude recursion still matches messages", func(b, c *Entry) { b.ExcludeRecursion = true }, "start bee", "a,b,c,d"},
		{"prevent recursion", func(b, c *Entry) { b.PreventRecursion = true }, "start", "a,b,c"},
		{"delay until recursion", func(b, c *Entry) { c.DelayUntilRecursion = true }, "sea", ""},
		{"delay until recursion in recursion", func(b, c *Entry) { c.DelayUntilRecursion = true }, "start", "a,b,c,d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Activate(Input{Messages: msgs(tt.text), Books: []Book{mk(func(b, c *Entry) { tt.mod(b, c) })}})
			got := activatedIDs(r)
			checkIDs(t, "activated", got, tt.want)
		})
	}
}

func TestRecursionNeedsRecursiveBook(t *testing.T) {
	a := on("a", "start")
	a.Content = "mentions bee"
	rec := Book{Name: "rec", Scope: ScopeWorld, RecursiveScanning: true, Entries: []Entry{on("r", "bee")}}
	flat := Book{Name: "flat", Scope: ScopeWorld, Entries: []Entry{on("f", "bee")}}
	r := Activate(Input{Messages: msgs("start"), Books: []Book{book(a), rec, flat}})
	// World entries come before the character's at equal insertion order.
	checkIDs(t, "activated", activatedIDs(r), "r,a")
}

func TestSecondaryKeySatisfiedByRecursion(t *testing.T) {
	a := on("a", "start")
	a.Content = "it is raining"
	b := on("b", "umbrella")
	b.SecondaryKeys, b.Selective, b.Logic = []string{"rain"}, true, LogicAndAny
	bk := book(a, b)
	bk.RecursiveScanning = true
	r := Activate(Input{Messages: msgs("start", "my umbrella"), Books: []Book{bk}})
	checkIDs(t, "activated", activatedIDs(r), "a,b")
	if got := r.Activated[1]; got.Step != 2 || got.Trigger.Message != 1 {
		t.Errorf("b step %d trigger %+v", got.Step, got.Trigger)
	}
}

func TestPromptOrder(t *testing.T) {
	mk := func(id string, pos Position, order int) Entry {
		e := on(id, "go")
		e.Position, e.InsertionOrder = pos, order
		return e
	}
	deep := mk("deep", PositionAtDepth, 0)
	deep.Depth = 4
	shallow := mk("shallow", PositionAtDepth, 0)
	shallow.Depth = 0
	outB := mk("outB", PositionOutlet, 0)
	outB.Outlet = "b"
	outA := mk("outA", PositionOutlet, 0)
	outA.Outlet = "a"
	entries := []Entry{
		mk("after2", PositionAfterChar, 2), mk("before9", PositionBeforeChar, 9), mk("after1", PositionAfterChar, 1),
		mk("anbottom", PositionAuthorNoteBottom, 0), mk("antop", PositionAuthorNoteTop, 0),
		mk("emafter", PositionAfterExamples, 0), mk("embefore", PositionBeforeExamples, 0),
		shallow, deep, outB, outA, mk("before1", PositionBeforeChar, 1),
	}
	r := Activate(Input{Messages: msgs("go"), Books: []Book{book(entries...)}})
	checkIDs(t, "order", activatedIDs(r), "before1,before9,after1,after2,embefore,emafter,antop,anbottom,deep,shallow,outA,outB")
	groups := r.Groups()
	if len(groups) != 10 {
		t.Fatalf("groups = %d, want 10", len(groups))
	}
	if g := groups[0]; g.Position != PositionBeforeChar || g.Content() != "before1 content\nbefore9 content" {
		t.Errorf("first group %v %q", g.Position, g.Content())
	}
	if g := groups[6]; g.Position != PositionAtDepth || g.Depth != 4 {
		t.Errorf("depth group %+v", g)
	}
}

func TestDeterministic(t *testing.T) {
	var entries []Entry
	for i := 0; i < 40; i++ {
		e := on(string(rune('A'+i%26))+string(rune('a'+i/26)), "go")
		e.InsertionOrder = i % 3
		e.Priority = i % 2
		e.Position = Position(i % 3)
		entries = append(entries, e)
	}
	in := Input{
		Messages:    msgs("go"),
		Books:       []Book{{Name: "w", Scope: ScopeWorld, Entries: entries}, {Name: "c", Scope: ScopeChannel, Entries: entries}},
		TokenBudget: 40,
	}
	first := Activate(in)
	for i := 0; i < 20; i++ {
		if got := Activate(in); !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d differs", i)
		}
	}
	if len(first.Activated) == 0 || len(first.Dropped) == 0 {
		t.Fatalf("activated %d dropped %d: the test should exercise both", len(first.Activated), len(first.Dropped))
	}
}

func TestParseNames(t *testing.T) {
	for _, p := range []Position{PositionBeforeChar, PositionAfterChar, PositionAtDepth, PositionOutlet} {
		if got, err := ParsePosition(p.String()); err != nil || got != p {
			t.Errorf("ParsePosition(%q) = %v, %v", p, got, err)
		}
	}
	if _, err := ParsePosition("middle"); err == nil {
		t.Error("ParsePosition(middle) succeeded")
	}
	for _, l := range []Logic{LogicAndAny, LogicAndAll, LogicNotAny, LogicNotAll} {
		if got, err := ParseLogic(l.String()); err != nil || got != l {
			t.Errorf("ParseLogic(%q) = %v, %v", l, got, err)
		}
	}
	if got, err := ParseLogic("AND ALL"); err != nil || got != LogicAndAll {
		t.Errorf("ParseLogic(AND ALL) = %v, %v", got, err)
	}
	for _, s := range []Scope{ScopeChannel, ScopeCharacter, ScopeWorld} {
		if got, err := ParseScope(s.String()); err != nil || got != s {
			t.Errorf("ParseScope(%q) = %v, %v", s, got, err)
		}
	}
}

func TestActivateLeavesBooksUnchanged(t *testing.T) {
	mk := func() []Book {
		a := on("a", "{{char}}")
		a.Content = "@@depth 2\n{{char}} mentions bee"
		b := on("b", "bee")
		bk := book(a, b)
		bk.RecursiveScanning = true
		return []Book{bk, {Name: "b", Scope: ScopeWorld, Entries: []Entry{on("x", "/(?=x)/")}}}
	}
	books := mk()
	Activate(Input{Messages: msgs("Aster"), Books: books, CharName: "Aster"})
	if !reflect.DeepEqual(books, mk()) {
		t.Error("Activate modified its input")
	}
}

func TestPerBookRecursionLimits(t *testing.T) {
	start := Book{Name: "s", Scope: ScopeCharacter, Entries: []Entry{func() Entry {
		e := on("s", "go")
		e.Content = "s mentions key-a and key-x"
		return e
	}()}}
	deep := chain(4, true, 0) // a→b→c→d, unlimited
	shallow := Book{Name: "shallow", Scope: ScopeWorld, RecursiveScanning: true, MaxRecursionSteps: 1}
	for _, id := range []string{"x", "y"} {
		e := on(id, "key-"+id)
		e.Content = id + " mentions key-y"
		shallow.Entries = append(shallow.Entries, e)
	}
	r := Activate(Input{Messages: msgs("go"), Books: []Book{start, deep, shallow}})
	got := map[string]int{}
	for _, a := range r.Activated {
		got[a.Ref.ID] = a.Step
	}
	want := map[string]int{"s": 1, "a": 2, "x": 2, "b": 3, "c": 4, "d": 5}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps = %v, want %v (y is 2 recursive sweeps away from the messages, over shallow's limit)", got, want)
	}
}

func TestConcurrentActivate(t *testing.T) {
	in := Input{Messages: msgs("key-a"), Books: []Book{chain(5, true, 0)}}
	want := Activate(in)
	done := make(chan Result)
	for i := 0; i < 8; i++ {
		go func() { done <- Activate(in) }()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Fatal("concurrent result differs")
		}
	}
}

func TestLongHistory(t *testing.T) {
	history := make([]Message, 5000)
	for i := range history {
		history[i] = Message{Text: "filler"}
	}
	history[0].Text = "dragon"            // beyond MaxScanDepth
	history[len(history)-3].Text = "wyrm" // 3rd from the end
	e := on("e", "dragon", "wyrm")
	b := book(e)
	b.ScanDepth = intp(MaxScanDepth + 10)
	r := Activate(Input{Messages: history, Books: []Book{b}})
	if len(r.Activated) != 1 || r.Activated[0].Trigger.Key != "wyrm" || r.Activated[0].Trigger.Message != len(history)-3 {
		t.Fatalf("activated %+v", r.Activated)
	}
}

package memorytest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// Backend opens a fresh store and the vector store over it, with cleanup
// arranged through t.Cleanup. Each call must return empty storage.
type Backend func(t *testing.T) (store.Store, memory.VectorStore)

// RunRecall is the contract of the whole recall pipeline (memory.Service
// with the builtin embedder) over one backend. Every case asserts an exact
// order, so two backends that pass it rank alike.
func RunRecall(t *testing.T, backend Backend) {
	t.Run("RareWordBeatsCommonWords", func(t *testing.T) { testRareWordBeatsCommonWords(t, backend) })
	t.Run("ChineseTwoCharacterQuery", func(t *testing.T) { testChineseQueries(t, backend) })
	t.Run("FusionBreakdown", func(t *testing.T) { testFusionBreakdown(t, backend) })
	t.Run("DeduplicatesConcurrentRemembers", func(t *testing.T) { testDeduplicatesConcurrently(t, backend) })
	t.Run("AfterAndBefore", func(t *testing.T) { testAfterAndBefore(t, backend) })
	t.Run("NamedDay", func(t *testing.T) { testNamedDay(t, backend) })
	t.Run("FollowsUpdatesAndForgets", func(t *testing.T) { testFollowsUpdatesAndForgets(t, backend) })
}

// fixture is a Service and a character to remember things for.
type fixture struct {
	st        store.Store
	svc       *memory.Service
	character string
}

// relevanceOnly ranks by relevance alone, so that a case tests the
// rankings rather than the priors.
var relevanceOnly = memory.Weights{Relevance: 1, HalfLife: 7 * 24 * time.Hour}

func newFixture(t *testing.T, backend Backend, w memory.Weights, opts ...memory.Option) fixture {
	t.Helper()
	st, vs := backend(t)
	emb, err := memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := memory.NewService(t.Context(), st, vs, emb, w, opts...)
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	c, err := st.CreateCharacter(t.Context(), store.Character{Name: "char-" + uuid.NewString()})
	if err != nil {
		t.Fatalf("CreateCharacter: %v", err)
	}
	return fixture{st: st, svc: svc, character: c.ID}
}

func (f fixture) remember(t *testing.T, text string) store.Memory {
	t.Helper()
	m, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: f.character, Kind: store.KindEpisodic, Text: text, Importance: 5})
	if err != nil {
		t.Fatalf("Remember(%q): %v", text, err)
	}
	return m
}

func (f fixture) recall(t *testing.T, text string, filter memory.Filter) []memory.Recalled {
	t.Helper()
	filter.CharacterID = f.character
	got, err := f.svc.Recall(t.Context(), memory.Query{Text: text, Filter: filter, Limit: 10})
	if err != nil {
		t.Fatalf("Recall(%q): %v", text, err)
	}
	return got
}

func texts(rs []memory.Recalled) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	return out
}

// A memory that shares one rare word with the query beats memories that
// share three words every memory has: that is what IDF is for. Without it
// (plain term overlap, the builtin embedder before v2) the order flips.
func testRareWordBeatsCommonWords(t *testing.T, backend Backend) {
	for _, mode := range []string{memory.FusionLexical, memory.FusionRRF, memory.FusionWeighted} {
		t.Run(mode, func(t *testing.T) {
			fusion := memory.DefaultFusion
			fusion.Mode = mode
			f := newFixture(t, backend, relevanceOnly, memory.WithFusion(fusion))
			for _, place := range []string{"bakery", "stable", "chapel", "forge", "mill", "well", "gate", "school"} {
				f.remember(t, fmt.Sprintf("at night the market by the harbour smelled of the %s", place))
			}
			common := f.remember(t, "night market harbour")
			rare := f.remember(t, "the lighthouse keeper waved")
			got := f.recall(t, "lighthouse night market harbour", memory.Filter{})
			if len(got) < 2 || got[0].ID != rare.ID {
				t.Fatalf("recall ranks %q, want %q first (its rare word outweighs three common ones)", texts(got), rare.Text)
			}
			if got[1].ID != common.ID {
				t.Errorf("second is %q, want %q (the most common words shared, in the shortest memory)", got[1].Text, common.Text)
			}
			if got[0].Breakdown.LexicalRank != 1 {
				t.Errorf("the rare-word memory's lexical rank is %d, want 1", got[0].Breakdown.LexicalRank)
			}
		})
	}
}

// Chinese has no spaces: a query of two characters must still find the one
// memory that contains them, and each question must find its answer through
// the phrase they share (a place, a name), not through common words such
// as 住在 ("lives in"), which several memories share.
func testChineseQueries(t *testing.T, backend Backend) {
	f := newFixture(t, backend, memory.DefaultWeights)
	probes := []struct{ answer, question string }{
		{"黛玉最喜欢在潇湘馆的竹林里读书。", "谁住在潇湘馆？"},
		{"宝玉住在怡红院，每天和丫鬟们说笑。", "怡红院里住着谁？"},
		{"宝钗住在蘅芜苑，屋里陈设十分朴素。", "蘅芜苑是什么样子的？"},
		{"探春住在秋爽斋，喜欢书法。", "秋爽斋的主人喜欢什么？"},
		{"王熙凤管着荣国府的大小事务。", "谁管荣国府的事？"},
		{"湘云醉卧在芍药花下。", "谁在芍药花下睡着了？"},
		{"刘姥姥第一次进大观园，看什么都新鲜。", "刘姥姥去了哪里？"},
		{"妙玉在栊翠庵里用梅花上的雪煮茶。", "栊翠庵里的茶是用什么水煮的？"},
	}
	ids := map[string]string{}
	for _, p := range probes {
		ids[p.answer] = f.remember(t, p.answer).ID
	}
	queries := []struct{ query, answer string }{{"潇湘", probes[0].answer}, {"竹林", probes[0].answer}, {"芍药", probes[5].answer}}
	for _, p := range probes {
		queries = append(queries, struct{ query, answer string }{p.question, p.answer})
	}
	for _, q := range queries {
		got := f.recall(t, q.query, memory.Filter{})
		if len(got) == 0 || got[0].ID != ids[q.answer] {
			t.Errorf("recall(%q) ranks %q, want %q first", q.query, texts(got), q.answer)
		}
	}
}

// Every result carries the figures of both rankings and their fusion, and
// each mode uses the rankings it says it does.
func testFusionBreakdown(t *testing.T, backend Backend) {
	for _, tc := range []struct {
		mode                  string
		wantLexical, wantVect bool
	}{
		{memory.FusionRRF, true, true},
		{memory.FusionWeighted, true, true},
		{memory.FusionLexical, true, false},
		{memory.FusionVector, false, true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			fusion := memory.DefaultFusion
			fusion.Mode = tc.mode
			f := newFixture(t, backend, relevanceOnly, memory.WithFusion(fusion))
			both := f.remember(t, "Mira hid the silver key under the loose floorboard")
			f.remember(t, "the floorboard creaked when the cat walked over it")
			// Shares no word with the query: only the vector ranking (character
			// trigrams of "silvery") can find it.
			vectorOnly := f.remember(t, "silvery moonlight")

			got := f.recall(t, "where is the silver key", memory.Filter{})
			if len(got) == 0 || got[0].ID != both.ID {
				t.Fatalf("recall ranks %q, want %q first", texts(got), both.Text)
			}
			top := got[0]
			b := top.Breakdown
			if tc.wantLexical != (b.LexicalRank == 1 && b.Lexical > 0) {
				t.Errorf("lexical rank %d score %v, want lexical ranking used = %v", b.LexicalRank, b.Lexical, tc.wantLexical)
			}
			if tc.wantVect != (b.VectorRank == 1 && b.Vector > 0) {
				t.Errorf("vector rank %d score %v, want vector ranking used = %v", b.VectorRank, b.Vector, tc.wantVect)
			}
			// The first place in every ranking used has relevance 1; with
			// fusion off, relevance is the cosine similarity, as before fusion.
			wantTop := 1.0
			if tc.mode == memory.FusionVector {
				wantTop = b.Vector
			}
			if b.Relevance < wantTop-0.001 || b.Relevance > wantTop+0.001 || top.Relevance != b.Relevance {
				t.Errorf("top relevance %v (breakdown %v), want %v", top.Relevance, b.Relevance, wantTop)
			}
			for _, r := range got {
				if r.Breakdown.Relevance <= 0 || r.Breakdown.Relevance > 1.001 {
					t.Errorf("%q: relevance %v, want in (0, 1]", r.Text, r.Breakdown.Relevance)
				}
			}
			foundVectorOnly := slices.ContainsFunc(got, func(r memory.Recalled) bool { return r.ID == vectorOnly.ID })
			if !tc.wantVect && foundVectorOnly {
				t.Errorf("lexical mode returned %q, which shares no word with the query", vectorOnly.Text)
			}
		})
	}
}

// Remembering the same text at once from many goroutines stores one row:
// the database's unique key decides, not a read before the write. The
// copies report deduplicated, and the importance is the highest asked.
func testDeduplicatesConcurrently(t *testing.T, backend Backend) {
	f := newFixture(t, backend, memory.DefaultWeights)
	const writers = 12
	variants := []string{"The bridge collapsed in the storm.", "the bridge  collapsed in the storm", "THE BRIDGE COLLAPSED IN THE STORM!"}
	results := make([]store.Memory, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			results[i], errs[i] = f.svc.Remember(t.Context(), store.Memory{
				CharacterID: f.character, Kind: store.KindEpisodic,
				Text: variants[i%len(variants)], Importance: 1 + i%8,
			})
		})
	}
	wg.Wait()
	fresh := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Remember %d: %v", i, err)
		}
		if results[i].ID != results[0].ID {
			t.Errorf("Remember %d stored %s, want the same memory as the first (%s)", i, results[i].ID, results[0].ID)
		}
		if !results[i].Deduplicated {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d calls stored a new memory, want exactly 1 (the rest deduplicated)", fresh)
	}
	rows, err := f.st.ListMemories(t.Context(), store.MemoryFilter{CharacterID: f.character})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows stored, want 1: %v", len(rows), rows)
	}
	if rows[0].Importance != 8 {
		t.Errorf("importance %d, want 8 (the highest of the copies)", rows[0].Importance)
	}
	if got := f.recall(t, "bridge storm", memory.Filter{}); len(got) != 1 {
		t.Errorf("recall finds %d memories, want the one", len(got))
	}
	// Another user's identical memory is a memory of its own.
	other, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: f.character, UserID: "u2", Kind: store.KindEpisodic, Text: variants[0], Importance: 3})
	if err != nil {
		t.Fatal(err)
	}
	if other.Deduplicated || other.ID == rows[0].ID {
		t.Errorf("another user's memory was deduplicated into the first user's")
	}
}

// after and before bound when a memory happened, inclusively.
func testAfterAndBefore(t *testing.T, backend Backend) {
	f := newFixture(t, backend, memory.DefaultWeights)
	day := func(month time.Month) time.Time { return time.Date(2025, month, 10, 12, 0, 0, 0, time.UTC) }
	byMonth := map[time.Month]string{}
	for _, month := range []time.Month{time.January, time.February, time.March} {
		m, err := f.svc.Remember(t.Context(), store.Memory{
			CharacterID: f.character, Kind: store.KindEpisodic, Importance: 5,
			Text: "the caravan reached the oasis in " + month.String(), OccurredAt: day(month),
		})
		if err != nil {
			t.Fatal(err)
		}
		if !m.OccurredAt.Equal(day(month)) {
			t.Fatalf("occurred_at %v, want %v", m.OccurredAt, day(month))
		}
		byMonth[month] = m.ID
	}
	for _, tc := range []struct {
		name          string
		after, before time.Time
		want          []time.Month
	}{
		{"after", day(time.February), time.Time{}, []time.Month{time.February, time.March}},
		{"before", time.Time{}, day(time.February), []time.Month{time.January, time.February}},
		{"between", day(time.February).Add(-time.Hour), day(time.February).Add(time.Hour), []time.Month{time.February}},
		{"none", day(time.March).Add(time.Second), time.Time{}, nil},
	} {
		got := f.recall(t, "caravan oasis", memory.Filter{After: tc.after, Before: tc.before})
		var want []string
		for _, m := range tc.want {
			want = append(want, byMonth[m])
		}
		ids := make([]string, len(got))
		for i, r := range got {
			ids[i] = r.ID
		}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("%s: recall finds %q, want the memories of %v", tc.name, texts(got), tc.want)
		}
	}
	if _, err := f.svc.Recall(t.Context(), memory.Query{Text: "caravan", Filter: memory.Filter{
		CharacterID: f.character, After: day(time.March), Before: day(time.January)}}); err == nil {
		t.Error("recall with after later than before succeeded, want an error")
	}
}

// A query that names a day ranks that day's memories first, even one that
// shares no word with it and is beyond both rankings' candidates; without
// a named day, or with the signal off, the words decide.
func testNamedDay(t *testing.T, backend Backend) {
	f := newFixture(t, backend, relevanceOnly)
	at := func(month time.Month, day int) time.Time { return time.Date(2025, month, day, 12, 0, 0, 0, time.UTC) }
	rememberAt := func(text string, occurred time.Time) store.Memory {
		t.Helper()
		m, err := f.svc.Remember(t.Context(), store.Memory{CharacterID: f.character, Kind: store.KindEpisodic, Text: text, Importance: 5, OccurredAt: occurred})
		if err != nil {
			t.Fatalf("Remember(%q): %v", text, err)
		}
		return m
	}
	// More memories about the market than recall's candidates (4 × the
	// limit per ranking), none of them on May 2nd.
	for i := range 50 {
		rememberAt(fmt.Sprintf("we talked about the market and its prices, talk number %d", i), at(time.April, 1+i%28))
	}
	// "marketplace" is not the word "market" (no BM25 match), but their
	// character trigrams overlap: a small positive vector similarity.
	onDay := rememberAt("the fishmonger's cat slept in the marketplace", at(time.May, 2))

	for _, query := range []string{"What did we talk about at the market on 2 May 2025?", "在2025年5月2日我们在市场聊了什么？"} {
		got := f.recall(t, query, memory.Filter{})
		if len(got) == 0 || got[0].ID != onDay.ID {
			t.Errorf("%s: recall ranks %q first, want the memory of that day", query, texts(got)[:min(1, len(got))])
			continue
		}
		if b := got[0].Breakdown; !b.OnNamedDay || b.LexicalRank != 0 {
			t.Errorf("%s: breakdown %+v, want on the named day and not in the lexical ranking", query, b)
		}
		if len(got) > 1 && got[1].Breakdown.OnNamedDay {
			t.Errorf("%s: %q is marked as on the named day", query, got[1].Text)
		}
	}
	// A date without a year means that day in any year; only the candidates
	// of the words and vectors are re-ranked then (the latest May 2nd, the
	// one searched, may be another year's).
	words := rememberAt("the fishmonger sold the last eel at the market", at(time.May, 2))
	if got := f.recall(t, "Which eel did the fishmonger sell on May 2nd?", memory.Filter{}); len(got) < 2 || got[0].ID != words.ID || !got[0].Breakdown.OnNamedDay {
		t.Errorf("a year-less date: recall finds %q first, want %q on its day", texts(got)[:min(1, len(got))], words.Text)
	}
	// No day named: the words decide, and nothing is on a named day.
	for _, r := range f.recall(t, "What did we talk about at the market?", memory.Filter{}) {
		if r.ID == onDay.ID || r.Breakdown.OnNamedDay {
			t.Errorf("no day named: %q recalled (on a named day: %v)", r.Text, r.Breakdown.OnNamedDay)
		}
	}
	// With the signal off, the day counts for nothing. With it on, a day
	// that no memory happened on changes nothing either: the same order and
	// relevance as with it off (else every relevance would shrink alike,
	// and the priors would weigh double).
	off := memory.DefaultFusion
	off.DateWeight = 0
	on, g := newFixture(t, backend, relevanceOnly), newFixture(t, backend, relevanceOnly, memory.WithFusion(off))
	const talk = "we talked about the market prices"
	for _, fx := range []fixture{on, g} {
		f.svc, f.character = fx.svc, fx.character
		rememberAt("the fishmonger's cat slept in the marketplace", at(time.May, 2))
		rememberAt(talk, at(time.May, 3))
	}
	if got := g.recall(t, "What did we talk about at the market on 2 May 2025?", memory.Filter{}); len(got) == 0 || got[0].Text != talk {
		t.Errorf("date weight 0: recall ranks %q first, want %q", texts(got)[:min(1, len(got))], talk)
	}
	query := "What did we talk about at the market on 9 May 2025?"
	want, got := g.recall(t, query, memory.Filter{}), on.recall(t, query, memory.Filter{})
	if len(got) != len(want) {
		t.Fatalf("a day no memory happened on: %d results, with the signal off %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Text != want[i].Text || got[i].Relevance != want[i].Relevance {
			t.Errorf("a day no memory happened on: result %d is %q at relevance %.3f, with the signal off %q at %.3f",
				i, got[i].Text, got[i].Relevance, want[i].Text, want[i].Relevance)
		}
	}
}

// The lexical ranking follows updates and forgets like the vector one: an
// updated text is found by its new words only, a forgotten memory not at all.
func testFollowsUpdatesAndForgets(t *testing.T, backend Backend) {
	fusion := memory.DefaultFusion
	fusion.Mode = memory.FusionLexical
	f := newFixture(t, backend, relevanceOnly, memory.WithFusion(fusion))
	m := f.remember(t, "Oren lost his compass in the swamp")
	f.remember(t, "the swamp was quiet")
	newText := "Oren found his compass in the attic"
	if _, err := f.svc.Update(t.Context(), m.ID, store.MemoryPatch{Text: &newText}); err != nil {
		t.Fatal(err)
	}
	if got := f.recall(t, "attic", memory.Filter{}); len(got) != 1 || got[0].ID != m.ID {
		t.Errorf("after the update, recall(attic) finds %q, want the updated memory", texts(got))
	}
	if got := f.recall(t, "lost", memory.Filter{}); len(got) != 0 {
		t.Errorf("after the update, recall(lost) finds %q, want nothing (the old text is gone)", texts(got))
	}
	if err := f.svc.Forget(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.recall(t, "compass", memory.Filter{}); len(got) != 0 {
		t.Errorf("after forget, recall(compass) finds %q, want nothing", texts(got))
	}
}

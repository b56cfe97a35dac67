package console

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/store"
)

// seeded is what seed stored.
type seeded struct {
	aria, bram store.Character
	memories   []store.Memory
	events     []store.TimelineEvent
}

// seed stores two characters, memories, a branching story in "tavern" and
// relationships.
func seed(t *testing.T, e *env) seeded {
	t.Helper()
	ctx := t.Context()
	var s seeded
	s.aria = must[store.Character](t)(e.store.CreateCharacter(ctx, store.Character{Name: "Aria", Personality: "a curious bard"}))
	s.bram = must[store.Character](t)(e.store.CreateCharacter(ctx, store.Character{Name: "Bram", Personality: "a gruff smith"}))
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, text := range []string{
		"Dana likes the harp music at the tavern",
		"Dana's sister is called Mira",
		"The blacksmith owes Aria three coins",
		"Aria played a song about the sea",
		"Dana asked about the old lighthouse",
	} {
		m := must[store.Memory](t)(e.memory.Remember(ctx, store.Memory{CharacterID: s.aria.ID, UserID: "dana", Kind: store.KindEpisodic,
			Text: text, Importance: i + 2, OccurredAt: base.Add(time.Duration(i) * time.Hour)}))
		s.memories = append(s.memories, m)
	}
	for _, d := range []string{"Aria arrives at the tavern", "Bram challenges her to a song", "Aria wins the contest"} {
		s.events = append(s.events, must[store.TimelineEvent](t)(e.store.AddEvent(ctx, store.TimelineEvent{
			ChannelID: "tavern", CharacterID: s.aria.ID, Type: store.EventPlotPoint, Description: d, Impact: 4})))
	}
	must[store.Branch](t)(e.store.BranchTimeline(ctx, s.events[1].ID, "bram-wins"))
	s.events = append(s.events, must[store.TimelineEvent](t)(e.store.AddEvent(ctx, store.TimelineEvent{
		ChannelID: "tavern", Branch: "bram-wins", CharacterID: s.bram.ID, Type: store.EventDecision, Description: "Bram wins instead", Impact: 8})))
	must[store.Relationship](t)(e.store.UpdateRelationship(ctx, s.aria.ID, "dana", store.RelationshipChange{AffinityDelta: 0.6, TrustDelta: -0.3, Reason: "she tipped well"}))
	must[store.Relationship](t)(e.store.UpdateRelationship(ctx, s.bram.ID, s.aria.ID, store.RelationshipChange{AffinityDelta: -0.9, TrustDelta: 0.2, Reason: "lost the contest"}))
	return s
}

var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(2)>`,
	"\u202Eevil RTL override \u05e9\u05dc\u05d5\u05dd",
}

func TestHostileTextComesOutEscaped(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser(t)
	name := strings.Join(hostile, " ")
	long := strings.Repeat("long text ", 1500) // 15,000 characters: allowed, and shown escaped
	res := b.post("characters", url.Values{"name": {name}, "personality": {long + hostile[0]}, "goals": {hostile[1]}})
	requireStatus(t, res, http.StatusSeeOther)
	chars := must[[]store.Character](t)(e.store.ListCharacters(t.Context()))
	if len(chars) != 1 || chars[0].Name != name {
		t.Fatalf("stored characters %+v, want the name as typed", chars)
	}
	id := chars[0].ID
	must[store.Memory](t)(e.memory.Remember(t.Context(), store.Memory{CharacterID: id, UserID: hostile[1], Kind: store.KindSemantic, Text: name, Importance: 5}))
	must[store.TimelineEvent](t)(e.store.AddEvent(t.Context(), store.TimelineEvent{ChannelID: hostile[1], CharacterID: id, Type: store.EventAction, Description: name, Impact: 2}))
	must[store.Relationship](t)(e.store.UpdateRelationship(t.Context(), id, hostile[0], store.RelationshipChange{AffinityDelta: .1, Reason: hostile[1]}))
	mems := must[[]store.Memory](t)(e.store.ListMemories(t.Context(), store.MemoryFilter{}))

	for _, path := range []string{"", "characters", "characters/" + id, "characters/" + id + "/delete",
		"timeline", "timeline?channel=" + url.QueryEscape(hostile[1]), "memories", "memories?character=" + id + "&q=alert",
		"memories/" + mems[0].ID, "relationships", "relationships?" + urlValues("character", id, "target", hostile[0]), "transfer"} {
		res := b.get(path)
		requireStatus(t, res, http.StatusOK)
		for _, raw := range []string{"<script>alert", "<img src=x", `"><img`} {
			if strings.Contains(res.body, raw) {
				t.Fatalf("GET %s: the page holds %q unescaped", path, raw)
			}
		}
		if !strings.Contains(res.body, "\u202Eevil RTL override") {
			t.Fatalf("GET %s: the RTL text is missing (it must show, escaped but intact)", path)
		}
	}
	// Too long is refused with the field named, and nothing is stored.
	res = b.post("characters", url.Values{"name": {strings.Repeat("n", maxNameLen+1)}})
	requireStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "name: is 201 characters long") {
		t.Fatalf("an over-long name: the page does not name the field:\n%s", clipText(res.body, 3000))
	}
	res = b.post("characters", url.Values{"name": {"Nul\x00Byte"}})
	requireStatus(t, res, http.StatusUnprocessableEntity)
	if n := len(must[[]store.Character](t)(e.store.ListCharacters(t.Context()))); n != 1 {
		t.Fatalf("%d characters after refused creates, want 1", n)
	}
}

func TestFragmentOrFullPage(t *testing.T) {
	e := newEnv(t, "")
	seed(t, e)
	b := e.browser(t)
	for _, path := range []string{"", "characters", "timeline?channel=tavern", "memories", "relationships", "transfer"} {
		full := b.get(path)
		requireStatus(t, full, http.StatusOK)
		if !strings.HasPrefix(full.body, "<!doctype html>") || !strings.Contains(full.body, `<main id="main"`) {
			t.Fatalf("GET %s: not a full page", path)
		}
		frag := b.get(path, "HX-Request", "true")
		requireStatus(t, frag, http.StatusOK)
		if strings.Contains(frag.body, "<html") || strings.Contains(frag.body, "<main") || !strings.Contains(frag.body, "<h1>") {
			t.Fatalf("GET %s with HX-Request: want only the content fragment, got:\n%s", path, clipText(frag.body, 500))
		}
		if !slices.Contains(frag.Header.Values("Vary"), "HX-Request") {
			t.Fatalf("GET %s: no Vary: HX-Request, so a cache could serve the fragment for a full load", path)
		}
		// The back button after htmx's cache is gone asks for the whole page.
		restore := b.get(path, "HX-Request", "true", "HX-History-Restore-Request", "true")
		if !strings.HasPrefix(restore.body, "<!doctype html>") {
			t.Fatalf("GET %s as a history restore: want the full page", path)
		}
	}
}

func TestCharacterPages(t *testing.T) {
	e := newEnv(t, "")
	s := seed(t, e)
	b := e.browser(t)
	res := b.get("characters?q=smith")
	if !strings.Contains(res.body, "Bram") || strings.Contains(res.body, ">Aria<") {
		t.Fatalf("search for smith: want Bram only:\n%s", res.body)
	}
	res = b.post("characters/"+s.aria.ID, url.Values{"name": {"Aria"}, "personality": {"a bold bard"}, "goals": {"find the lighthouse\n\nsing"}})
	requireStatus(t, res, http.StatusSeeOther)
	got := must[store.Character](t)(e.store.GetCharacter(t.Context(), s.aria.ID))
	if got.Personality != "a bold bard" || !slices.Equal(got.Goals, []string{"find the lighthouse", "sing"}) {
		t.Fatalf("after the edit: %+v", got)
	}
	res = b.post("characters/"+s.aria.ID+"/state", url.Values{"emotion": {"elated"}, "energy": {"120"}})
	requireStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "energy: must be between 0 and 100, got 120") {
		t.Fatalf("bad energy: the page does not name the field:\n%s", clipText(res.body, 3000))
	}
	res = b.post("characters/"+s.aria.ID+"/state", url.Values{"emotion": {"elated"}, "energy": {"80"}, "location": {"the docks"}, "inventory": {"harp\nmap"}})
	requireStatus(t, res, http.StatusSeeOther)
	st := must[store.CharacterState](t)(e.store.GetCharacterState(t.Context(), s.aria.ID))
	if st.Emotion != "elated" || st.Energy != 80 || st.Location != "the docks" || !slices.Equal(st.Inventory, []string{"harp", "map"}) {
		t.Fatalf("state after the form: %+v", st)
	}
	page := b.get("characters/" + s.aria.ID)
	for _, want := range []string{"elated", "the docks", "harp\nmap", "a bold bard"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the character page does not show %q", want)
		}
	}
	requireStatus(t, b.get("characters/no-such-id"), http.StatusNotFound)

	// Delete: the confirm step deletes nothing; only confirm=yes does.
	confirm := b.get("characters/" + s.aria.ID + "/delete")
	if !strings.Contains(confirm.body, "5 memories") {
		t.Fatalf("the confirm step does not say what goes:\n%s", confirm.body)
	}
	requireStatus(t, b.post("characters/"+s.aria.ID+"/delete", nil), http.StatusSeeOther)
	must[store.Character](t)(e.store.GetCharacter(t.Context(), s.aria.ID))
	requireStatus(t, b.post("characters/"+s.aria.ID+"/delete", url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
	if _, err := e.store.GetCharacter(t.Context(), s.aria.ID); err == nil {
		t.Fatal("the character is still there after a confirmed delete")
	}
	if n := len(must[[]store.Memory](t)(e.store.ListMemories(t.Context(), store.MemoryFilter{CharacterID: s.aria.ID}))); n != 0 {
		t.Fatalf("%d memories of the deleted character remain", n)
	}
	if _, err := e.store.GetCharacter(t.Context(), s.bram.ID); err != nil {
		t.Fatalf("deleting Aria touched Bram: %v", err)
	}
}

func TestTimelineExplorer(t *testing.T) {
	e := newEnv(t, "")
	s := seed(t, e)
	b := e.browser(t)
	res := b.get("timeline")
	if !strings.Contains(res.body, `<option value="tavern"`) {
		t.Fatalf("the channel list lacks tavern")
	}
	// The default selection is main's head; its path is highlighted.
	res = b.get("timeline?channel=tavern")
	requireStatus(t, res, http.StatusOK)
	if n := strings.Count(res.body, `<circle`); n != 4 {
		t.Fatalf("the tree draws %d events, want 4", n)
	}
	if n := strings.Count(res.body, `class="node type-plot_point on-path`); n != 3 {
		t.Fatalf("%d events on the highlighted path, want main's 3", n)
	}
	if !strings.Contains(res.body, "bram-wins") || !strings.Contains(res.body, "main") {
		t.Fatal("the branch heads are not labelled")
	}
	// Selecting the other branch's event reads that path.
	res = b.get("timeline?channel=tavern&event=" + s.events[3].ID)
	reading := res.body[strings.Index(res.body, `id="path-h"`):]
	reading = reading[:strings.Index(reading, "</ol>")]
	for _, want := range []string{"Aria arrives", "Bram challenges", "Bram wins instead"} {
		if !strings.Contains(reading, want) {
			t.Fatalf("the reading view of bram-wins lacks %q:\n%s", want, reading)
		}
	}
	if strings.Contains(reading, "Aria wins the contest") {
		t.Fatal("the reading view of bram-wins holds main's ending")
	}
	// Filters: impact at least 8 matches only Bram's decision.
	res = b.get("timeline?channel=tavern&impact=8")
	if n := strings.Count(res.body, " dim\""); n != 3 {
		t.Fatalf("impact>=8 dims %d events, want 3", n)
	}
	res = b.get("timeline?channel=tavern&type=decision&character=" + s.bram.ID + "&q=INSTEAD")
	if !strings.Contains(res.body, `id="matches-h"`) || strings.Count(res.body, " dim\"") != 3 {
		t.Fatalf("type+character+text filter: want one match")
	}

	// Inspector: edit type, impact and text.
	res = b.post("timeline/events/"+s.events[0].ID, url.Values{"type": {"action"}, "impact": {"7"}, "description": {"Aria bursts in"}})
	requireStatus(t, res, http.StatusSeeOther)
	ev := must[store.TimelineEvent](t)(e.store.GetEvent(t.Context(), s.events[0].ID))
	if ev.Type != store.EventAction || ev.Impact != 7 || ev.Description != "Aria bursts in" {
		t.Fatalf("after the inspector: %+v", ev)
	}
	res = b.post("timeline/events/"+s.events[0].ID, url.Values{"type": {"dance"}, "impact": {"7"}, "description": {"x"}})
	requireStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "type: must be one of") {
		t.Fatalf("a bad type: the page does not name the field")
	}
	// Branch from here, then add to the new branch.
	requireStatus(t, b.post("timeline/events/"+s.events[0].ID+"/branch", url.Values{"name": {"quiet-night"}}), http.StatusSeeOther)
	res = b.post("timeline/events/"+s.events[0].ID+"/branch", url.Values{"name": {"quiet-night"}})
	requireStatus(t, res, http.StatusUnprocessableEntity)
	res = b.post("timeline/events", url.Values{"channel": {"tavern"}, "branch": {"quiet-night"}, "type": {"dialogue"}, "impact": {"1"}, "description": {"Nobody sings tonight"}})
	requireStatus(t, res, http.StatusSeeOther)
	line := must[[]store.TimelineEvent](t)(e.store.Timeline(t.Context(), "tavern", "quiet-night", 0))
	if len(line) != 2 || line[0].ID != s.events[0].ID || line[1].Description != "Nobody sings tonight" {
		t.Fatalf("quiet-night = %+v, want the first event then the new one", line)
	}
	// A new channel's first event.
	requireStatus(t, b.post("timeline/events", url.Values{"channel": {"docks"}, "branch": {"main"}, "type": {"plot_point"}, "impact": {"3"}, "description": {"Ships arrive"}}), http.StatusSeeOther)
	if got := must[[]string](t)(e.store.ListChannels(t.Context())); !slices.Equal(got, []string{"docks", "tavern"}) {
		t.Fatalf("channels = %q", got)
	}
	res = b.post("timeline/events", url.Values{"channel": {"docks"}, "type": {"plot_point"}, "impact": {"11"}, "description": {"x"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "impact: must be between 0 and 10") {
		t.Fatalf("impact 11: %d", res.StatusCode)
	}
}

func TestMemoriesSearchFilterSortPage(t *testing.T) {
	e := newEnv(t, "")
	s := seed(t, e)
	b := e.browser(t)
	// Recall, with its score parts.
	res := b.get("memories?character=" + s.aria.ID + "&q=" + url.QueryEscape("what is Dana's sister called"))
	requireStatus(t, res, http.StatusOK)
	first := strings.Index(res.body, "<tbody>")
	if first < 0 || !strings.Contains(res.body[first:first+800], "sister is called Mira") {
		t.Fatalf("recall did not rank the sister memory first:\n%s", clipText(res.body[max(first, 0):], 1500))
	}
	for _, part := range []string{"relevance ", "lexical ", "vector ", "recency ", "importance "} {
		if !strings.Contains(res.body, part) {
			t.Fatalf("the search results do not show the score part %q", part)
		}
	}
	res = b.get("memories?q=sister")
	requireStatus(t, res, http.StatusBadRequest)
	if !strings.Contains(res.body, "character: choose a character") {
		t.Fatal("a search without a character does not say which field is missing")
	}
	// Filters: importance and dates.
	res = b.get("memories?importance=5")
	if n := strings.Count(res.body, `name="id"`); n != 2 {
		t.Fatalf("importance >= 5: %d rows, want 2", n)
	}
	res = b.get("memories?after=2026-03-01&before=2026-03-01&user=dana&kind=episodic")
	if n := strings.Count(res.body, `name="id"`); n != 5 {
		t.Fatalf("one day's memories of dana: %d rows, want 5", n)
	}
	res = b.get("memories?after=2026-03-02")
	if n := strings.Count(res.body, `name="id"`); n != 0 {
		t.Fatalf("after the seeded day: %d rows, want 0", n)
	}
	res = b.get("memories?after=yesterday")
	requireStatus(t, res, http.StatusBadRequest)
	if !strings.Contains(res.body, "after: must be a date") {
		t.Fatal("a bad date does not name the field")
	}
	// Sort by importance: the most important first.
	res = b.get("memories?sort=importance")
	if i, j := strings.Index(res.body, "the old lighthouse"), strings.Index(res.body, "harp music"); i < 0 || j < 0 || i > j {
		t.Fatal("sort=importance does not put the importance-6 memory before the importance-2 one")
	}
	res = b.get("memories?sort=oldest")
	if i, j := strings.Index(res.body, "harp music"), strings.Index(res.body, "the old lighthouse"); i > j {
		t.Fatal("sort=oldest does not put the first memory first")
	}
	// Paging: 30 more memories make two pages.
	for i := range 30 {
		must[store.Memory](t)(e.memory.Remember(t.Context(), store.Memory{CharacterID: s.bram.ID, Kind: store.KindSemantic, Text: fmt.Sprintf("fact number %d", i), Importance: 1}))
	}
	res = b.get("memories?character=" + s.bram.ID)
	if n := strings.Count(res.body, `name="id"`); n != memoryPageSize || !strings.Contains(res.body, "Next page") {
		t.Fatalf("page 1: %d rows, want %d and a next link", n, memoryPageSize)
	}
	res = b.get("memories?character=" + s.bram.ID + "&page=2")
	if n := strings.Count(res.body, `name="id"`); n != 5 || !strings.Contains(res.body, "Previous page") {
		t.Fatalf("page 2: %d rows, want 5 and a previous link", n)
	}
	// Edit one.
	m := s.memories[0]
	res = b.post("memories/"+m.ID, url.Values{"text": {"Dana loves the harp"}, "kind": {"semantic"}, "importance": {"9"}, "tags": {"music"}})
	requireStatus(t, res, http.StatusSeeOther)
	got := must[store.Memory](t)(e.store.GetMemory(t.Context(), m.ID))
	if got.Text != "Dana loves the harp" || got.Kind != store.KindSemantic || got.Importance != 9 || !slices.Equal(got.Tags, []string{"music"}) {
		t.Fatalf("after the edit: %+v", got)
	}
	// The edit was embedded again: recall finds the new words.
	res = b.get("memories?character=" + s.aria.ID + "&q=loves")
	if !strings.Contains(res.body, "Dana loves the harp") {
		t.Fatal("recall does not find the edited text")
	}
	res = b.post("memories/"+m.ID, url.Values{"text": {"x"}, "kind": {"semantic"}, "importance": {"0"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "importance: must be between 1 and 10") {
		t.Fatalf("importance 0: %d", res.StatusCode)
	}
}

func TestBulkForgetTouchesOnlySelected(t *testing.T) {
	e := newEnv(t, "")
	s := seed(t, e)
	b := e.browser(t)
	chosen := []string{s.memories[1].ID, s.memories[3].ID}
	// Step one asks, listing exactly the selection, and deletes nothing.
	res := b.post("memories/forget", url.Values{"id": chosen})
	requireStatus(t, res, http.StatusOK)
	if n := strings.Count(res.body, `type="hidden" name="id"`); n != 2 || !strings.Contains(res.body, "Forget 2 memories") {
		t.Fatalf("the confirm step lists %d memories, want the 2 selected:\n%s", n, res.body)
	}
	if n := len(must[[]store.Memory](t)(e.store.ListMemories(t.Context(), store.MemoryFilter{}))); n != 5 {
		t.Fatalf("%d memories after the confirm step, want all 5", n)
	}
	res = b.post("memories/forget", url.Values{"id": chosen, "confirm": {"yes"}})
	requireStatus(t, res, http.StatusSeeOther)
	left := must[[]store.Memory](t)(e.store.ListMemories(t.Context(), store.MemoryFilter{}))
	var ids []string
	for _, m := range left {
		ids = append(ids, m.ID)
	}
	want := []string{s.memories[0].ID, s.memories[2].ID, s.memories[4].ID}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("left %q, want exactly the unselected %q", ids, want)
	}
	// Their vectors are gone too: recall cannot find them.
	for _, r := range must[[]memoryRowT](t)(e.memory.Recall(t.Context(), recallQuery(s.aria.ID, "sister Mira song sea"))) {
		if slices.Contains(chosen, r.ID) {
			t.Fatalf("recall still returns forgotten memory %s", r.ID)
		}
	}
	if vs := must[[]store.MemoryVector](t)(e.store.GetVectors(t.Context(), chosen)); len(vs) != 0 {
		t.Fatalf("%d vectors of forgotten memories remain", len(vs))
	}
	// Nothing selected forgets nothing.
	requireStatus(t, b.post("memories/forget", url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
	if n := len(must[[]store.Memory](t)(e.store.ListMemories(t.Context(), store.MemoryFilter{}))); n != 3 {
		t.Fatalf("%d memories after an empty selection, want 3", n)
	}
}

func TestRelationshipsMatrix(t *testing.T) {
	e := newEnv(t, "")
	s := seed(t, e)
	b := e.browser(t)
	res := b.get("relationships")
	requireStatus(t, res, http.StatusOK)
	for _, want := range []string{`<span class="chip heat-p3">A 0.60</span>`, `<span class="chip heat-m2">T -0.30</span>`, `<span class="chip heat-m5">A -0.90</span>`, "<th scope=\"col\">Aria</th>", "<th scope=\"col\">dana</th>"} {
		if !strings.Contains(res.body, want) {
			t.Fatalf("the matrix lacks %s:\n%s", want, res.body)
		}
	}
	res = b.get("relationships?" + urlValues("character", s.aria.ID, "target", "dana"))
	if !strings.Contains(res.body, "she tipped well") {
		t.Fatal("the history of reasons is not shown")
	}
}

func TestHeatClass(t *testing.T) {
	for v, want := range map[float64]string{-1: "heat-m5", -0.5: "heat-m3", -0.04: "heat-0", 0: "heat-0", 0.1: "heat-p1", 0.61: "heat-p3", 1: "heat-p5", 7: "heat-p5", -7: "heat-m5"} {
		if got := heatClass(v); got != want {
			t.Errorf("heatClass(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestExportDeterministicAndImportWithDryRun(t *testing.T) {
	e := newEnv(t, "")
	s := seed(t, e)
	b := e.browser(t)
	for _, scope := range []string{"scope=all", "scope=character&id=" + s.aria.ID, "scope=channel&id=tavern"} {
		one, two := b.get("transfer/export?"+scope), b.get("transfer/export?"+scope)
		requireStatus(t, one, http.StatusOK)
		if one.body != two.body || len(one.body) == 0 {
			t.Fatalf("export %s: two exports differ (%d and %d bytes)", scope, len(one.body), len(two.body))
		}
		if !strings.HasPrefix(one.Header.Get("Content-Disposition"), "attachment; filename=") {
			t.Fatalf("export %s: Content-Disposition %q", scope, one.Header.Get("Content-Disposition"))
		}
	}
	requireStatus(t, b.get("transfer/export?scope=nothing"), http.StatusBadRequest)
	requireStatus(t, b.get("transfer/export?scope=character&id=nobody"), http.StatusNotFound)

	character := b.get("transfer/export?scope=character&id=" + s.aria.ID)
	a := must[*archive.Archive](t)(archive.Read(strings.NewReader(character.body), archive.ReadOptions{}))
	if len(a.Data.Characters) != 1 || len(a.Data.Memories) != 5 || len(a.Data.Relationships) != 1 || len(a.Data.Events) != 0 || len(a.Data.Vectors) != 0 {
		t.Fatalf("character export holds %+v", archive.Counts(a.Data))
	}
	story := b.get("transfer/export?scope=channel&id=tavern")
	a = must[*archive.Archive](t)(archive.Read(strings.NewReader(story.body), archive.ReadOptions{}))
	if len(a.Data.Events) != 4 || len(a.Data.Branches) != 2 || len(a.Data.Characters) != 2 || len(a.Data.Memories) != 0 {
		t.Fatalf("story export holds %+v", archive.Counts(a.Data))
	}

	// Into a second, empty console: the dry run writes nothing, the import
	// adds everything, again adds nothing.
	all := b.get("transfer/export?scope=all")
	target := newEnv(t, "")
	tb := target.browser(t)
	res := upload(t, tb, all.body, true)
	requireStatus(t, res, http.StatusOK)
	if !strings.Contains(res.body, "Dry run: the import would add 15 rows") {
		t.Fatalf("dry run:\n%s", res.body)
	}
	if c := must[store.Counts](t)(target.store.Count(t.Context())); c != (store.Counts{}) {
		t.Fatalf("the dry run wrote %+v", c)
	}
	res = upload(t, tb, all.body, false)
	requireStatus(t, res, http.StatusOK)
	if !strings.Contains(res.body, "Imported 15 rows") {
		t.Fatalf("import:\n%s", res.body)
	}
	src, dst := must[store.Counts](t)(e.store.Count(t.Context())), must[store.Counts](t)(target.store.Count(t.Context()))
	if src != dst {
		t.Fatalf("after the import the target holds %+v, the source %+v", dst, src)
	}
	// The imported memories were embedded: recall works on the target.
	found := must[[]memoryRowT](t)(target.memory.Recall(t.Context(), recallQuery(s.aria.ID, "sister Mira")))
	if len(found) == 0 || found[0].ID != s.memories[1].ID {
		t.Fatalf("recall on the imported store: %+v", found)
	}
	// Exported from the target, the same bytes but for the header's source.
	if again := tb.get("transfer/export?scope=all"); again.body != all.body {
		t.Fatal("the target's export differs from the source's: IDs, times or order were not kept")
	}
	res = upload(t, tb, all.body, false)
	if !strings.Contains(res.body, "Imported 0 rows") {
		t.Fatalf("a second import:\n%s", res.body)
	}
	res = upload(t, tb, "not an archive", false)
	requireStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "archive: ") || !strings.Contains(res.body, "nothing was imported") {
		t.Fatalf("a broken file: %s", res.body)
	}
}

// upload posts an archive to the import form.
func upload(t *testing.T, b *browser, content string, dryRun bool) response {
	t.Helper()
	if b.csrf == "" {
		b.get("transfer")
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField(csrfField, b.csrf)
	if dryRun {
		_ = w.WriteField("dry_run", "1")
	}
	part, _ := w.CreateFormFile("archive", "export.jsonl.gz")
	_, _ = part.Write([]byte(content))
	_ = w.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, b.e.server.URL+DefaultBasePath+"transfer/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

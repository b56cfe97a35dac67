package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/store"
)

// TestConsoleFlows logs in with the token, creates a character, adds an
// event and branches from it, and forgets two of four memories, at 1280×800
// (light) and at 390×844 (mobile, dark), checking every page on the way.
func TestConsoleFlows(t *testing.T) {
	needBrowser(t)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			s := newStack(t)
			b := newTab(t, vp)
			logIn(t, s, b)
			keyboardFocus(t, b)
			themeToggle(t, b)
			ch := createCharacter(t, s, b)
			timeline(t, s, b, ch)
			bulkForget(t, s, b, ch)
			play(t, s, b, ch)
			live(t, s, b, ch)
			otherPages(t, s, b, ch)
		})
	}
}

// logIn is refused a wrong token, then logs in with the right one.
func logIn(t *testing.T, s *stack, b *tab) {
	b.open(s.base)
	b.waitFor("the login page", `location.pathname.endsWith("/console/login")`)
	cspEnforced(t, b)
	b.check("login")
	b.do("wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"), chromedp.Click(chromedp.CSS("form button[type=submit]")))
	b.waitFor("the refusal", `document.querySelector("#token") && document.querySelector(".error")`)
	b.ready()
	b.do("right token", chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS("form button[type=submit]")))
	b.waitFor("the overview", `location.pathname === "/console/" && document.querySelector("h1") && document.querySelector("h1").textContent === "Overview"`)
	b.ready()
	b.check("overview")
}

// focusScript describes the focused element and its focus outline.
const focusScript = `(function () {
  var el = document.activeElement, cs = getComputedStyle(el), r = el.getBoundingClientRect();
  return {what: el.tagName.toLowerCase() + " " + (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30),
    outline: cs.outlineStyle + " " + cs.outlineWidth, visible: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2,
    onScreen: r.right > 0 && r.bottom > 0 && r.left < innerWidth};
})()`

type focused struct {
	What     string `json:"what"`
	Outline  string `json:"outline"`
	Visible  bool   `json:"visible"`
	OnScreen bool   `json:"onScreen"`
}

// keyboardFocus tabs through the first controls of the overview: the skip
// link comes first and shows itself, and every focused control has a
// visible outline.
func keyboardFocus(t *testing.T, b *tab) {
	eval[bool](b, "blur", `document.activeElement && document.activeElement.blur(), true`)
	for i := range 10 {
		b.do("press Tab", chromedp.KeyEvent(kb.Tab))
		f := eval[focused](b, "focus", focusScript)
		if i == 0 && !strings.HasPrefix(f.What, "a Skip to content") {
			t.Errorf("the first Tab focuses %q, want the skip link", f.What)
		}
		if !f.Visible || !f.OnScreen {
			t.Errorf("Tab %d focuses %q with outline %q (on screen: %v); focus must be visible", i+1, f.What, f.Outline, f.OnScreen)
		}
	}
}

// cspEnforced shows that the page's CSP is in force and that the watch
// script sees what it blocks: an inline script added to the page does not
// run and is reported. (Evaluating through DevTools, as the tests do, is not
// subject to the page's CSP.)
func cspEnforced(t *testing.T, b *tab) {
	got := eval[[]any](b, "an inline script", `new Promise(function (done) {
  var s = document.createElement("script");
  s.textContent = "window.__inlineRan = true";
  document.head.appendChild(s);
  setTimeout(function () { done([window.__inlineRan === true, window.__cspViolations.slice()]); }, 200);
})`)
	if ran, _ := got[0].(bool); ran {
		t.Errorf("an inline script ran: the Content-Security-Policy is not in force")
	}
	if v, _ := got[1].([]any); len(v) == 0 || !strings.Contains(fmt.Sprint(v[0]), "script-src") {
		t.Errorf("the blocked inline script was not reported as a script-src violation: %v", got[1])
	}
	eval[bool](b, "reset", `window.__cspViolations = [], true`)
}

// themeToggle flips the colour theme away from the preferred one and back.
func themeToggle(t *testing.T, b *tab) {
	before := eval[string](b, "background", `getComputedStyle(document.body).backgroundColor`)
	wantPressed := fmt.Sprint(b.vp.dark)
	if got := eval[string](b, "aria-pressed", `document.getElementById("theme-toggle").getAttribute("aria-pressed")`); got != wantPressed {
		t.Errorf("dark-mode toggle: aria-pressed %q with prefers-color-scheme dark=%v, want %q", got, b.vp.dark, wantPressed)
	}
	b.do("toggle the theme", chromedp.Click(chromedp.CSS("#theme-toggle")))
	after := eval[string](b, "background", `getComputedStyle(document.body).backgroundColor`)
	if after == before {
		t.Errorf("dark-mode toggle: the background stayed %s", before)
	}
	if got := eval[string](b, "aria-pressed", `document.getElementById("theme-toggle").getAttribute("aria-pressed")`); got == wantPressed {
		t.Errorf("dark-mode toggle: aria-pressed stayed %q", got)
	}
	b.check("overview-toggled")
	b.do("toggle back", chromedp.Click(chromedp.CSS("#theme-toggle")))
	if again := eval[string](b, "background", `getComputedStyle(document.body).backgroundColor`); again != before {
		t.Errorf("dark-mode toggle: back to %s, want %s", again, before)
	}
}

// noReload marks the document, so a later check sees whether the page was
// replaced (a full load) or only swapped by htmx.
func noReload(b *tab) {
	eval[bool](b, "mark the document", `window.__sameDocument = true`)
}

func wasNotReloaded(t *testing.T, b *tab, what string) {
	t.Helper()
	if !eval[bool](b, "marker", `window.__sameDocument === true`) {
		t.Errorf("%s: the page was reloaded; htmx should have swapped a fragment", what)
	}
}

// createCharacter goes to Characters through the nav (an htmx swap) and
// creates one.
func createCharacter(t *testing.T, s *stack, b *tab) store.Character {
	noReload(b)
	b.do("nav to Characters", chromedp.Click(chromedp.CSS(`nav a[href="/console/characters"]`)))
	b.waitFor("the characters page", `location.pathname === "/console/characters" && document.querySelector("h1").textContent === "Characters"`)
	wasNotReloaded(t, b, "nav to Characters")
	// The back and forward buttons walk the pages htmx pushed.
	eval[bool](b, "back", `history.back(), true`)
	b.waitFor("the overview again", `location.pathname === "/console/" && document.querySelector("h1") && document.querySelector("h1").textContent === "Overview"`)
	eval[bool](b, "forward", `history.forward(), true`)
	b.waitFor("the characters page again", `location.pathname === "/console/characters" && document.querySelector("h1") && document.querySelector("h1").textContent === "Characters"`)
	b.ready()
	b.check("characters-empty")
	b.do("fill the persona",
		chromedp.SendKeys(chromedp.CSS("#name"), "Ilse Varga"),
		chromedp.SendKeys(chromedp.CSS("#personality"), "A lighthouse keeper who counts ships and distrusts the sea."),
		chromedp.SendKeys(chromedp.CSS("#goals"), "Keep the light burning"),
		chromedp.Click(chromedp.CSS(`section[aria-labelledby="create-h"] button[type=submit]`)),
	)
	b.waitFor("the new character's page", `/^\/console\/characters\/[^/]+$/.test(location.pathname) && document.querySelector("#persona-h")`)
	ch, err := s.store.GetCharacterByName(t.Context(), "Ilse Varga")
	if err != nil {
		t.Fatalf("the created character is not in the store: %v", err)
	}
	if !strings.HasSuffix(eval[string](b, "path", `location.pathname`), "/"+ch.ID) || !strings.Contains(ch.Personality, "lighthouse") {
		t.Errorf("created %+v; the browser is at %s", ch, eval[string](b, "path", `location.pathname`))
	}
	b.check("character")
	b.open(s.base + "characters")
	b.check("characters")
	b.open(s.base + "characters/" + ch.ID + "/delete")
	b.check("character-delete")
	return ch
}

// addEvent fills the Add an event form and waits for the page of the new
// event.
func addEvent(t *testing.T, b *tab, text string) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS("#add-impact"), "6"),
		chromedp.SendKeys(chromedp.CSS("#add-text"), text),
		chromedp.Click(chromedp.CSS(`section[aria-labelledby="add-h"] button[type=submit]`)),
	}
	b.do("add "+text, steps...)
	b.waitFor("the event "+text, `document.querySelector(".reading li.selected") && document.querySelector(".reading li.selected").textContent.includes(`+jsString(text)+`)`)
}

// timeline adds two events, branches from the first, adds one on the new
// branch, and filters by type without a reload.
func timeline(t *testing.T, s *stack, b *tab, ch store.Character) {
	ctx := t.Context()
	b.open(s.base + "timeline")
	b.check("timeline-empty")
	b.do("channel", chromedp.SendKeys(chromedp.CSS("#add-channel"), "harbour"), chromedp.SetValue(chromedp.CSS("#add-character"), ch.ID))
	addEvent(t, b, "The storm reaches the harbour.")
	addEvent(t, b, "Ilse lights the lamp early.")
	events, err := s.store.ChannelEvents(ctx, "harbour")
	if err != nil || len(events) != 2 {
		t.Fatalf("the harbour's events: %d, %v; want 2", len(events), err)
	}
	first := events[0]
	if first.Description != "The storm reaches the harbour." || first.CharacterID != ch.ID || first.Impact != 6 {
		t.Errorf("first event stored as %+v", first)
	}

	// Inspect the first event and branch from it.
	b.do("select the first event", chromedp.Click(chromedp.CSS(".reading li:first-child a")))
	b.waitFor("the first event selected", `location.search.includes("event=`+first.ID+`") && document.querySelector("#br-name")`)
	b.ready()
	b.do("branch", chromedp.SendKeys(chromedp.CSS("#br-name"), "calm-sea"), chromedp.Click(chromedp.CSS(`form[action$="/branch"] button[type=submit]`)))
	b.waitFor("the new branch", `Array.from(document.querySelectorAll("#add-branch option")).some(function (o) { return o.value === "calm-sea"; })`)
	branches, err := s.store.ListBranches(ctx, "harbour")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(branches, func(br store.Branch) bool { return br.Name == "calm-sea" })
	if i < 0 || branches[i].HeadEventID != first.ID {
		t.Fatalf("branches after Branch from here: %+v; want calm-sea with its head at %s", branches, first.ID)
	}
	b.do("add on the branch", chromedp.SetValue(chromedp.CSS("#add-branch"), "calm-sea"))
	addEvent(t, b, "The storm passes the harbour by.")
	path, err := s.store.Timeline(ctx, "harbour", "calm-sea", 10)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range path {
		texts = append(texts, e.Description)
	}
	if !slices.Contains(texts, "The storm passes the harbour by.") || !slices.Contains(texts, "The storm reaches the harbour.") || slices.Contains(texts, "Ilse lights the lamp early.") {
		t.Errorf("the calm-sea path holds %q; want the first event and the new one, not main's second", texts)
	}
	if n := eval[int](b, "tree nodes", `document.querySelectorAll("svg.tree a").length`); n != 3 {
		t.Errorf("the story tree draws %d events, want 3", n)
	}
	b.check("timeline")

	// A filter is an htmx swap, not a page load.
	noReload(b)
	b.do("filter", chromedp.SetValue(chromedp.CSS("#tl-q"), "passes"), chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)))
	b.waitFor("the filtered timeline", `location.search.includes("q=passes") && document.querySelector("#matches-h")`)
	wasNotReloaded(t, b, "timeline filter")
	if got := eval[[]string](b, "matches", `Array.from(document.querySelectorAll(".events li")).map(function (li) { return li.textContent; })`); len(got) != 1 || !strings.Contains(got[0], "passes the harbour by") {
		t.Errorf("the filter q=passes shows %q, want the one event on calm-sea", got)
	}
	b.check("timeline-filtered")
}

// bulkForget seeds four memories through the store, selects two, confirms,
// and checks that only those two are gone.
func bulkForget(t *testing.T, s *stack, b *tab, ch store.Character) {
	ctx := t.Context()
	texts := []string{
		"Ilse saw a red sail at dawn.",
		"The user promised to bring lamp oil.",
		"Ilse fears the winter storms.",
		"The harbour master owes Ilse a favour.",
	}
	// The server learns of these writes of another handle through the
	// vector change log; the open list would refresh under the clicks.
	caughtUp := s.noticed(t)
	var ids []string
	for i, text := range texts {
		m, err := s.memory.Remember(ctx, store.Memory{CharacterID: ch.ID, UserID: "u-anna", Kind: store.KindEpisodic, Text: text, Importance: 3 + i})
		if err != nil {
			t.Fatalf("seed memory: %v", err)
		}
		ids = append(ids, m.ID)
	}
	caughtUp()
	b.open(s.base + "memories")
	b.waitFor("the seeded memories", `document.querySelectorAll("input[name=id][type=checkbox]").length === 4`)
	b.check("memories")
	forget := []string{ids[1], ids[2]}
	b.do("select two", chromedp.Click(chromedp.CSS("#sel-"+forget[0])), chromedp.Click(chromedp.CSS("#sel-"+forget[1])))
	b.do("forget selected", chromedp.Click(chromedp.CSS(`#bulk button[type=submit]`)))
	b.waitFor("the confirm step", `document.querySelector("form.confirm")`)
	if n := eval[int](b, "listed", `document.querySelectorAll(".selected-memories li").length`); n != 2 {
		t.Errorf("the confirm step lists %d memories, want 2", n)
	}
	for _, id := range ids {
		if _, err := s.store.GetMemory(ctx, id); err != nil {
			t.Fatalf("memory %s is gone before the confirm: %v", id, err)
		}
	}
	b.check("memories-forget")
	b.do("confirm", chromedp.Click(chromedp.CSS(`form.confirm button[type=submit]`)))
	b.waitFor("the memories list again", `!document.querySelector("form.confirm") && document.querySelectorAll("input[name=id][type=checkbox]").length === 2`)
	for _, id := range ids {
		_, err := s.store.GetMemory(ctx, id)
		switch gone := isNotFound(err); {
		case slices.Contains(forget, id) && !gone:
			t.Errorf("memory %s was selected and confirmed but is still stored (err %v)", id, err)
		case !slices.Contains(forget, id) && err != nil:
			t.Errorf("memory %s was not selected but is gone: %v", id, err)
		}
	}
	b.check("memories-after")

	// Recall needs a character: without one the page says so (a 400 that
	// htmx swaps in), then ranks with its score parts.
	noReload(b)
	b.do("search", chromedp.SendKeys(chromedp.CSS("#m-q"), "red sail"), chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)))
	b.waitFor("the search refused without a character", `document.querySelector("main .error[role=alert]")`)
	b.check("memories-search-error")
	b.do("search by character", chromedp.SetValue(chromedp.CSS("#m-character"), ch.ID), chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)))
	b.waitFor("recall results", `document.querySelector("#m-q").value === "red sail" && location.search.includes("q=red") && document.querySelector(".parts")`)
	wasNotReloaded(t, b, "memory search")
	b.check("memories-recall")
	b.open(s.base + "memories/" + ids[0])
	b.check("memory")
}

// otherPages: relationships (with one seeded) and export / import.
func otherPages(t *testing.T, s *stack, b *tab, ch store.Character) {
	if _, err := s.store.UpdateRelationship(t.Context(), ch.ID, "u-anna", store.RelationshipChange{AffinityDelta: 0.4, TrustDelta: -0.2, Reason: "brought the lamp oil late"}); err != nil {
		t.Fatal(err)
	}
	b.open(s.base + "relationships")
	b.waitFor("the matrix", `document.body.textContent.includes("u-anna")`)
	b.check("relationships")
	b.do("a cell's history", chromedp.Click(chromedp.CSS(`.matrix td.cell a[href*="target=u-anna"]`)))
	b.waitFor("the history of reasons", `document.querySelector("#history-h") && document.body.textContent.includes("brought the lamp oil late")`)
	b.check("relationship-history")

	// An archive of another store, imported as a dry run: the plan shows,
	// nothing is written.
	file := otherArchive(t)
	b.open(s.base + "transfer")
	b.check("transfer")
	b.do("dry-run import", chromedp.SetUploadFiles(chromedp.CSS("#im-file"), []string{file}), chromedp.Click(chromedp.CSS(`form[action$="/transfer/import"] button[type=submit]`)))
	b.waitFor("the dry-run plan", `document.body.textContent.includes("Dry run: the import would add")`)
	b.ready()
	if _, err := s.store.GetCharacterByName(t.Context(), "Oskar Lund"); !isNotFound(err) {
		t.Errorf("a dry-run import wrote the archive's character (err %v)", err)
	}
	b.check("transfer-dry-run")
}

// otherArchive writes the export of another store, holding one character,
// to a file.
func otherArchive(t *testing.T) string {
	ctx := t.Context()
	other, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.CreateCharacter(ctx, store.Character{Name: "Oskar Lund", Personality: "A ferryman."}); err != nil {
		t.Fatal(err)
	}
	d, err := other.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "other.charsim.jsonl.gz")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := archive.Write(f, archive.Header{Charsim: "test", Source: other.Backend()}, d, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

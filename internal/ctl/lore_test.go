package ctl

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// worldInfo is a SillyTavern world-info file as its World Info editor
// saves it: entries keyed by uid, with key/keysecondary/selectiveLogic.
const worldInfo = `{
  "name": "Northern isles",
  "entries": {
    "0": {"uid": 0, "key": ["harbor"], "keysecondary": [], "comment": "the harbor", "content": "The harbor freezes in winter.",
          "constant": false, "selective": false, "selectiveLogic": 0, "order": 100, "position": 0, "disable": false},
    "1": {"uid": 1, "key": ["storm"], "keysecondary": ["north", "sea"], "comment": "", "content": "Storms come from the north.",
          "constant": false, "selective": true, "selectiveLogic": 3, "order": 50, "position": 1, "disable": false}
  }
}`

// lore import creates a book of each scope from a world-info file; a
// file that is not one, or a wrong set of scope flags, stores nothing.
func TestLoreImport(t *testing.T) {
	url := newEmptySQLite(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "isles.json", []byte(worldInfo))
	mustRun(t, "card", "import", "--store", url, writeFile(t, dir, "brann.json", []byte(ctlV2Card)))
	st := openTestStore(t, url, "")
	brann := must(st.GetCharacterByName(t.Context(), "Brann"))(t)

	for _, tc := range []struct {
		flags []string
		scope store.LoreScope
		owner string
		whose string
	}{
		{[]string{"--world"}, store.LoreScopeWorld, "", "of the world"},
		{[]string{"--channel", "harbor-chat"}, store.LoreScopeChannel, "harbor-chat", "of channel harbor-chat"},
		{[]string{"--character", "Brann", "--name", "Isles for Brann"}, store.LoreScopeCharacter, brann.ID, "of Brann"},
	} {
		r := mustRun(t, append([]string{"lore", "import", file, "--store", url}, tc.flags...)...)
		if !strings.Contains(r.stdout, tc.whose+": 2 entries") {
			t.Errorf("%v printed %q", tc.flags, r.stdout)
		}
		books := must(st.ListLoreBooks(t.Context(), store.LoreBookFilter{Scope: tc.scope, OwnerID: tc.owner}))(t)
		last := books[len(books)-1]
		if entries := must(st.ListLoreEntries(t.Context(), last.ID))(t); len(entries) != 2 {
			t.Errorf("%v: the book has %d entries, want 2", tc.flags, len(entries))
		}
	}

	count := func() int {
		n := 0
		for _, s := range []store.LoreScope{store.LoreScopeWorld, store.LoreScopeChannel, store.LoreScopeCharacter} {
			n += len(must(st.ListLoreBooks(t.Context(), store.LoreBookFilter{Scope: s}))(t))
		}
		return n
	}
	before := count()
	notLore := writeFile(t, dir, "list.json", []byte(`[1, 2, 3]`))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lore", "import", notLore, "--world", "--store", url}, notLore + ": "},
		{[]string{"lore", "import", file, "--store", url}, "exactly one of"},
		{[]string{"lore", "import", file, "--world", "--channel", "x", "--store", url}, "exactly one of"},
		{[]string{"lore", "import", file, "--character", "Nobody", "--store", url}, `--character: no character has the ID or name "Nobody"`},
		{[]string{"lore", "import", filepath.Join(dir, "missing.json"), "--world", "--store", url}, "missing.json: "},
	} {
		if r := run(t, tc.args...); r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %q", tc.args[2:], r.err, tc.want)
		}
	}
	if after := count(); after != before {
		t.Errorf("%d lore books after the refused imports, %d before", after, before)
	}
}

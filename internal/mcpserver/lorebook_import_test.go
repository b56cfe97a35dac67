package mcpserver

import (
	"encoding/base64"
	"strings"
	"testing"
)

const worldInfoFile = `{
  "entries": {
    "0": {"uid": 0, "key": ["Kestrel"], "keysecondary": [], "comment": "the ship", "content": "The Kestrel is {{char}}'s airship.",
          "constant": false, "selective": false, "order": 100, "position": 0, "disable": false, "matchWholeWords": true, "depth": 4},
    "1": {"uid": 1, "key": ["storm"], "keysecondary": ["night"], "comment": "", "content": "Storms come at night.",
          "constant": false, "selective": true, "selectiveLogic": 3, "order": 10, "position": 4, "disable": false, "probability": 100},
    "2": {"uid": 2, "key": [], "content": "The sky is full of islands.", "constant": true, "order": 1, "position": 1}
  }
}`

func TestImportLorebook(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	s := ts.session(t)
	call[ImportedCard](t, s, "import_character_card", map[string]any{"content": v3PromptCard})

	got := call[ImportedLorebook](t, s, "import_lorebook", map[string]any{
		"scope": "world", "name": "Skies", "content": base64.StdEncoding.EncodeToString([]byte(worldInfoFile)),
	})
	if got.Entries != 3 || got.Book.Name != "Skies" || got.Book.Scope != "world" {
		t.Fatalf("import_lorebook = %+v", got)
	}
	list := call[loreList](t, s, "list_lore", map[string]any{"scope": "world"})
	if len(list.Books) != 1 || len(list.Books[0].Entries) != 3 {
		t.Fatalf("list_lore = %+v", list)
	}
	ship, storm, sky := list.Books[0].Entries[0], list.Books[0].Entries[1], list.Books[0].Entries[2]
	if ship.Comment != "the ship" || !ship.WholeWords || ship.Depth != 4 || ship.InsertionOrder != 100 || ship.Position != "before_char" {
		t.Errorf("ship = %+v", ship)
	}
	if storm.Logic == nil || *storm.Logic != 3 || !storm.Selective || storm.Entry().Position != 4 || string(storm.Extensions["probability"]) != "100" {
		t.Errorf("storm = %+v", storm)
	}
	if !sky.Constant || sky.Position != "after_char" {
		t.Errorf("sky = %+v", sky)
	}

	rc := call[roleplayContext](t, s, "get_context", map[string]any{
		"character": "Captain Isolde Varga", "channel": "deck", "message": "Is the Kestrel ready?",
	})
	contents := map[string]bool{}
	for _, l := range rc.Lore {
		contents[l.Content] = true
	}
	if !contents["The Kestrel is Izzy's airship."] || !contents["The sky is full of islands."] || contents["Storms come at night."] {
		t.Errorf("lore = %+v", rc.Lore)
	}

	// A character's and a channel's books, the file as a JSON string.
	if c := call[ImportedLorebook](t, s, "import_lorebook", map[string]any{"scope": "character", "owner": "Captain Isolde Varga", "content": worldInfoFile}); c.Book.Scope != "character" || c.Entries != 3 {
		t.Errorf("character import = %+v", c)
	}

	// Hostile or broken files are refused naming the argument, and store nothing.
	before, _ := ts.store.Count(t.Context())
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"scope": "world", "content": `{"entries": {`}, `"content"`},
		{map[string]any{"scope": "world", "content": `{"name": "no entries"}`}, "not a world-info file"},
		{map[string]any{"scope": "world", "content": `{"entries": {"0": {"key": ["/(?<=a)b/"], "content": "x"}}}`}, "entries[0]"},
		{map[string]any{"scope": "world", "content": "!!!not base64"}, `"content"`},
		{map[string]any{"scope": "channel", "content": worldInfoFile}, `"owner"`},
		{map[string]any{"scope": "character", "owner": "nobody", "content": worldInfoFile}, `"owner"`},
	} {
		if msg := callFails(t, s, "import_lorebook", tc.args); !strings.Contains(msg, tc.want) {
			t.Errorf("import_lorebook(%v) = %q, want it to mention %s", tc.args["content"], msg, tc.want)
		}
	}
	if after, _ := ts.store.Count(t.Context()); after != before {
		t.Errorf("refused imports stored rows: %+v → %+v", before, after)
	}
}

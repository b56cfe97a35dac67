package mcpserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/store"
)

// v2CardJSON is a Character Card V2 written to the spec, with what
// exporters add that charsim has no field for: unknown members at every
// level and extensions (SillyTavern's among them) that must survive.
const v2CardJSON = `{
  "spec": "chara_card_v2", "spec_version": "2.0",
  "x_hub": {"id": 42, "rating": 4.50},
  "data": {
    "name": "Seraphina",
    "description": "A guardian of the glade, {{char}} heals travellers.",
    "personality": "gentle, protective",
    "scenario": "{{user}} wakes in her cottage.",
    "first_mes": "*Seraphina smiles.* You're awake.",
    "mes_example": "<START>\n{{user}}: Who are you?\n{{char}}: A friend.",
    "creator_notes": "Works best with long replies.",
    "system_prompt": "{{original}} Write in third person.",
    "post_history_instructions": "Stay gentle.",
    "alternate_greetings": ["Rest now.", "The glade is quiet today."],
    "tags": ["fantasy", "healer"],
    "creator": "someone",
    "character_version": "1.2",
    "extensions": {"talkativeness": "0.5", "fav": false, "depth_prompt": {"prompt": "<&>", "depth": 4}},
    "x_data_extra": [1, 2.0, {"k": null}],
    "character_book": {
      "name": "Glade lore",
      "scan_depth": 3,
      "token_budget": 400,
      "recursive_scanning": true,
      "extensions": {"world": "glade"},
      "entries": [
        {"keys": ["glade", "forest"], "content": "The glade is hidden by old magic.", "extensions": {"position": 4, "depth": 2, "role": 0, "match_whole_words": true, "selectiveLogic": 3, "x_unknown": {"a": 1}},
         "enabled": true, "insertion_order": 100, "case_sensitive": false, "constant": false, "selective": true,
         "secondary_keys": ["magic"], "name": "glade", "priority": 10, "id": 1, "comment": "where she lives", "probability": 100},
        {"keys": ["/shadow(s)?/i"], "content": "Shadows serve the enemy.", "extensions": {}, "enabled": true,
         "insertion_order": 50, "position": "after_char", "id": "two"}
      ]
    }
  }
}`

func TestCardTools(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCardTools(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) { testCardTools(t, postgresConfig(t)) })
}

func testCardTools(t *testing.T, cfg Config) {
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	ctx := t.Context()
	original, err := card.Decode([]byte(v2CardJSON))
	if err != nil {
		t.Fatalf("the test's own card does not decode: %v", err)
	}

	var imported ImportedCard
	t.Run("import V2 JSON", func(t *testing.T) {
		imported = call[ImportedCard](t, s, "import_character_card", map[string]any{"content": v2CardJSON})
		c := imported.Character
		if c.Name != "Seraphina" || c.Personality != "gentle, protective" ||
			c.Background != original.Card.Description || c.SpeechPatterns != original.Card.MesExample {
			t.Errorf("character = %+v", c)
		}
		if want := []string{"*Seraphina smiles.* You're awake.", "Rest now.", "The glade is quiet today."}; !reflect.DeepEqual(imported.Greetings, want) {
			t.Errorf("greetings = %q, want %q", imported.Greetings, want)
		}
		if imported.LoreEntries != 2 || imported.LoreBookID == "" || imported.Format != "json" || imported.SpecVersion != "V2" {
			t.Errorf("import = %+v", imported)
		}
		// The card is stored as given, byte for byte.
		stored, err := ts.store.GetCharacterCard(ctx, c.ID)
		if err != nil || string(stored.Original) != v2CardJSON {
			t.Fatalf("stored card = %q, %v", stored.Original, err)
		}
		lore := call[loreList](t, s, "list_lore", map[string]any{"scope": "character", "owner": "Seraphina"})
		if len(lore.Books) != 1 || len(lore.Books[0].Entries) != 2 {
			t.Fatalf("list_lore = %+v", lore)
		}
		glade := lore.Books[0].Entries[0]
		// SillyTavern's extension members became the engine's fields.
		if glade.Position != "" || glade.Entry().Position != 4 || glade.Depth != 2 || !glade.WholeWords ||
			glade.Logic == nil || *glade.Logic != 3 || glade.EntryID != "1" || !glade.EntryIDNumeric {
			t.Errorf("first entry = %+v", glade)
		}
		if b := lore.Books[0]; b.Name != "Glade lore" || *b.ScanDepth != 3 || *b.TokenBudget != 400 || !*b.RecursiveScanning {
			t.Errorf("book = %+v", b.LoreBook)
		}
	})

	// exported decodes an export_character_card result.
	exported := func(t *testing.T, format string) *card.Result {
		t.Helper()
		out := call[exportedCard](t, s, "export_character_card", map[string]any{"character": "Seraphina", "format": format})
		var raw []byte
		if format == "png" {
			if raw, err = base64.StdEncoding.DecodeString(out.PNGBase64); err != nil {
				t.Fatalf("png_base64: %v", err)
			}
			if !bytes.HasPrefix(raw, []byte("\x89PNG")) {
				t.Fatalf("export is not a PNG")
			}
		} else {
			raw = []byte(out.CardJSON)
		}
		res, err := card.Decode(raw)
		if err != nil {
			t.Fatalf("the exported card does not decode: %v", err)
		}
		return res
	}
	sameCard := func(t *testing.T, got, want *card.Card) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			a, _ := card.EncodeJSON(got)
			b, _ := card.EncodeJSON(want)
			t.Fatalf("cards differ:\n%s\nwant\n%s", a, b)
		}
	}

	t.Run("export then re-import loses nothing", func(t *testing.T) {
		for _, format := range []string{"json", "png"} {
			res := exported(t, format)
			if res.Version != card.V3 {
				t.Errorf("%s export is %v, want V3", format, res.Version)
			}
			sameCard(t, res.Card, original.Card)
			if got := string(res.Card.Extensions["depth_prompt"]); got != `{"prompt":"<&>","depth":4}` {
				t.Errorf("extensions.depth_prompt = %s", got)
			}
		}
		// And the re-import through the tool reads the same card.
		out := call[exportedCard](t, s, "export_character_card", map[string]any{"character": "Seraphina", "format": "png"})
		again := call[ImportedCard](t, s, "import_character_card", map[string]any{"content": out.PNGBase64, "name": "Seraphina II"})
		if again.Format != "png" || again.LoreEntries != 2 || !reflect.DeepEqual(again.Greetings, imported.Greetings) {
			t.Errorf("re-import = %+v", again)
		}
		stored, err := ts.store.GetCharacterCard(ctx, again.Character.ID)
		if err != nil || len(stored.Avatar) == 0 {
			t.Fatalf("re-imported PNG card kept no avatar: %v", err)
		}
		res, err := card.Decode(stored.Original)
		if err != nil {
			t.Fatal(err)
		}
		sameCard(t, res.Card, original.Card)
	})

	t.Run("edits show in the export", func(t *testing.T) {
		call[store.Character](t, s, "update_character", map[string]any{"character": "Seraphina", "personality": "fierce", "goals": []string{"guard the glade"}})
		lore := call[loreList](t, s, "list_lore", map[string]any{"scope": "character", "owner": "Seraphina"})
		call[store.LoreEntry](t, s, "update_lore_entry", map[string]any{"entry": lore.Books[0].Entries[1].ID, "content": "Shadows fear the light.", "position": "at_depth"})
		res := exported(t, "json")
		want := *original.Card
		want.Personality = "fierce"
		if res.Card.Personality != "fierce" || res.Card.CharacterBook.Entries[1].Content != "Shadows fear the light." {
			t.Fatalf("export after edits = %+v", res.Card)
		}
		if n, ok := res.Card.CharacterBook.Entries[1].Extensions.Int("position"); !ok || n != 4 || res.Card.CharacterBook.Entries[1].Position != "" {
			t.Errorf("at_depth entry exported with position %q and extensions %v", res.Card.CharacterBook.Entries[1].Position, res.Card.CharacterBook.Entries[1].Extensions)
		}
		// Goals have no card field: they travel in extensions.charsim.
		again := call[ImportedCard](t, s, "import_character_card", map[string]any{"content": mustJSON(t, res.Card), "name": "Seraphina III"})
		if !reflect.DeepEqual(again.Character.Goals, []string{"guard the glade"}) || again.Character.Personality != "fierce" {
			t.Errorf("re-imported character = %+v", again.Character)
		}
	})

	t.Run("import a PNG built with the codec", func(t *testing.T) {
		c := *original.Card
		c.Name = "Pixel"
		png, err := card.EncodePNG(&c, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := call[ImportedCard](t, s, "import_character_card", map[string]any{"content": base64.StdEncoding.EncodeToString(png)})
		if out.Character.Name != "Pixel" || out.Format != "png" || out.SpecVersion != "V3" || out.LoreEntries != 2 {
			t.Errorf("PNG import = %+v", out)
		}
		// A card as a JSON object argument works too.
		var obj map[string]any
		if err := json.Unmarshal([]byte(strings.Replace(v2CardJSON, `"name": "Seraphina"`, `"name": "Objet"`, 1)), &obj); err != nil {
			t.Fatal(err)
		}
		if out := call[ImportedCard](t, s, "import_character_card", map[string]any{"content": obj}); out.Character.Name != "Objet" || out.LoreEntries != 2 {
			t.Errorf("object import = %+v", out)
		}
	})

	t.Run("a character without a card exports a placeholder PNG", func(t *testing.T) {
		call[store.Character](t, s, "create_character", map[string]any{"name": "Plain", "personality": "dry", "style": "terse"})
		out := call[exportedCard](t, s, "export_character_card", map[string]any{"character": "Plain", "format": "png"})
		raw, _ := base64.StdEncoding.DecodeString(out.PNGBase64)
		res, err := card.Decode(raw)
		if err != nil || res.Card.Name != "Plain" || res.Card.Personality != "dry" || res.Card.CharacterBook != nil {
			t.Fatalf("export of a plain character = %+v, %v", res, err)
		}
		if len(res.Avatar) == 0 {
			t.Error("no placeholder avatar")
		}
	})

	t.Run("hostile input stores nothing", func(t *testing.T) {
		before, err := ts.store.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		booksBefore, _ := ts.store.ListLoreBooks(ctx, store.LoreBookFilter{})
		validPNG, _ := card.EncodePNG(original.Card, nil)
		truncated := validPNG[:len(validPNG)-20]
		badRegex := strings.Replace(v2CardJSON, `"/shadow(s)?/i"`, `"/(?<=x)shadow/"`, 1)
		badRegex = strings.Replace(badRegex, `"name": "Seraphina"`, `"name": "Regex"`, 1)
		for _, tc := range []struct {
			name    string
			content any
			want    string
		}{
			{"not base64", "!!!not base64!!!", "content"},
			{"base64 of garbage", base64.StdEncoding.EncodeToString([]byte("GIF89a garbage")), "unknown file format"},
			{"JSON that is not a card", `{"hello": "world"}`, "content"},
			{"a card of the wrong type", `{"spec": "chara_card_v2", "data": {"name": 5, "tags": "x"}}`, "content"},
			{"an unknown spec", `{"spec": "chara_card_v9", "data": {"name": "X"}}`, "unknown card spec"},
			{"a truncated PNG", base64.StdEncoding.EncodeToString(truncated), "PNG"},
			{"a lore key that does not compile", badRegex, "keys"},
			{"a name that exists", v2CardJSON, "name"},
			{"a number", 7, "content"},
		} {
			msg := callFails(t, s, "import_character_card", map[string]any{"content": tc.content})
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, `"content"`) && !strings.Contains(msg, `"name"`) {
				t.Errorf("%s: %q, want an error naming the argument and %q", tc.name, msg, tc.want)
			}
		}
		after, _ := ts.store.Count(ctx)
		booksAfter, _ := ts.store.ListLoreBooks(ctx, store.LoreBookFilter{})
		if after != before || len(booksAfter) != len(booksBefore) {
			t.Errorf("refused imports stored something: %+v → %+v, %d → %d books", before, after, len(booksBefore), len(booksAfter))
		}
	})

	t.Run("deleting the character deletes its card and lore", func(t *testing.T) {
		call[deletedCharacter](t, s, "delete_character", map[string]any{"character": "Pixel"})
		books, err := ts.store.ListLoreBooks(ctx, store.LoreBookFilter{Scope: store.LoreScopeCharacter})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range books {
			if _, err := ts.store.GetCharacter(ctx, b.OwnerID); err != nil {
				t.Errorf("book %s outlived its character: %v", b.ID, err)
			}
		}
	})
}

func mustJSON(t *testing.T, c *card.Card) string {
	t.Helper()
	b, err := card.EncodeJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package ctl

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// The card fixtures are written here from the Character Card V2 spec
// (chara_card_v2 with data.*, character_book, extensions), with members
// no spec defines at every level, to prove they are kept.
const ctlV2Card = `{
  "spec": "chara_card_v2",
  "spec_version": "2.0",
  "x_top": {"kept": [1, 2.5, "three"]},
  "data": {
    "name": "Brann",
    "description": "A dwarf smith of {{char}}'s clan.",
    "personality": "gruff",
    "scenario": "The forge at dawn.",
    "first_mes": "What do you want, {{user}}?",
    "mes_example": "<START>\n{{char}}: Hmph.",
    "creator_notes": "Works best with a slow burn.",
    "system_prompt": "{{original}} Stay in character.",
    "post_history_instructions": "Keep replies short.",
    "alternate_greetings": ["Back again?", "The forge is hot today."],
    "tags": ["dwarf", "smith"],
    "creator": "tester",
    "character_version": "1.2",
    "extensions": {"talkativeness": "0.4", "fav": true, "x_tool": {"nested": [null, {"deep": 1}]}},
    "x_data_unknown": "kept too",
    "character_book": {
      "name": "Forge lore",
      "scan_depth": 4,
      "token_budget": 512,
      "recursive_scanning": true,
      "extensions": {"x_book_ext": {"a": 1}},
      "entries": [
        {"keys": ["forge", "anvil"], "content": "The forge never goes cold.", "extensions": {"x_entry": "e1"},
         "enabled": true, "insertion_order": 100, "priority": 10, "id": 0, "comment": "the forge",
         "selective": true, "secondary_keys": ["fire"], "constant": false, "position": "before_char"},
        {"keys": ["clan"], "content": "The clan keeps the old oaths.", "extensions": {},
         "enabled": true, "insertion_order": 200, "id": 1, "constant": true}
      ]
    }
  }
}`

// ctlV3Card is a Character Card V3 for the PNG fixture, with a nickname
// and group-only greetings.
const ctlV3Card = `{
  "spec": "chara_card_v3",
  "spec_version": "3.0",
  "data": {
    "name": "Aria Windward",
    "nickname": "Aria",
    "description": "A sailor from the northern isles.",
    "personality": "bold",
    "scenario": "{{user}} meets {{char}} at the harbor.",
    "first_mes": "Ahoy, {{user}}!",
    "mes_example": "",
    "creator_notes": "",
    "system_prompt": "",
    "post_history_instructions": "",
    "alternate_greetings": ["Fair winds!"],
    "group_only_greetings": ["Ahoy, all of you!"],
    "tags": [],
    "creator": "",
    "character_version": "",
    "extensions": {"depth_prompt": {"prompt": "Speak like a sailor.", "depth": 4}},
    "character_book": {
      "entries": [
        {"keys": ["lighthouse"], "content": "The lighthouse keeper owes Aria three coins.", "extensions": {},
         "enabled": true, "insertion_order": 10, "use_regex": false}
      ]
    }
  }
}`

// pngCard is a real PNG image (2×2) with text chunks before IEND: the
// container as SillyTavern writes it.
func pngCard(t *testing.T, chunks ...[2]string) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.NRGBA{R: 9, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	base := buf.Bytes()
	iend := len(base) - 12 // the IEND chunk is the last 12 bytes
	out := append([]byte{}, base[:iend]...)
	for _, c := range chunks {
		data := append([]byte(c[0]+"\x00"), c[1]...)
		var head [8]byte
		binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
		copy(head[4:], "tEXt")
		out = append(out, head[:]...)
		out = append(out, data...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte("tEXt"), data...)))
	}
	return append(out, base[iend:]...)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// writeFile writes b into dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newEmptySQLite creates an empty SQLite store file and returns its URL.
func newEmptySQLite(t *testing.T) string {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "charsim.db")
	st, err := store.Open(t.Context(), url, "")
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	st.Close()
	return url
}

// jsonOf decodes a JSON document into plain values.
func jsonOf(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// missingFrom lists every member of want (at any depth) that got lacks or
// holds with another value; got may have more.
func missingFrom(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		var bad []string
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				bad = append(bad, path+"."+k+": missing")
				continue
			}
			bad = append(bad, missingFrom(v, gv, path+"."+k)...)
		}
		return bad
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		var bad []string
		for i := range w {
			bad = append(bad, missingFrom(w[i], g[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return bad
	case json.Number:
		if g, ok := got.(json.Number); !ok || numberValue(g) != numberValue(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		return nil
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
	}
	return nil
}

func numberValue(n json.Number) float64 { f, _ := n.Float64(); return f }

// characterNames lists the store's characters by name.
func characterNames(t *testing.T, url string) []string {
	t.Helper()
	st := openTestStore(t, url, "")
	chars, err := st.ListCharacters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range chars {
		names = append(names, c.Name)
	}
	return names
}

// A V2 JSON card and a V3 PNG card import with their greetings and lore,
// export as .png and .json, and import again with nothing lost: every
// member of the original data, extensions and unknown members included.
func TestCardImportExportRoundTrip(t *testing.T) {
	url := newEmptySQLite(t)
	dir := t.TempDir()
	v2 := writeFile(t, dir, "brann.json", []byte(ctlV2Card))
	aria := writeFile(t, dir, "aria.png", pngCard(t, [2]string{"ccv3", b64(ctlV3Card)}))

	r := mustRun(t, "card", "import", "--store", url, v2, aria)
	for _, want := range []string{
		v2 + ": imported Brann (", "from a V2 JSON card: 3 greetings, 2 lore entries in its lore book",
		aria + ": imported Aria Windward (", "from a V3 PNG card: 2 greetings, 1 lore entry in its lore book",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	st := openTestStore(t, url, "")
	brann := must(st.GetCharacterByName(t.Context(), "Brann"))(t)
	books := must(st.ListLoreBooks(t.Context(), store.LoreBookFilter{Scope: store.LoreScopeCharacter, OwnerID: brann.ID}))(t)
	if len(books) != 1 || books[0].Name != "Forge lore" {
		t.Fatalf("Brann's lore books: %+v", books)
	}
	if entries := must(st.ListLoreEntries(t.Context(), books[0].ID))(t); len(entries) != 2 {
		t.Errorf("Forge lore has %d entries, want 2", len(entries))
	}

	for _, tc := range []struct{ name, file, original string }{
		{"Brann", filepath.Join(dir, "out", "brann.png"), ctlV2Card},
		{"Brann", filepath.Join(dir, "out", "brann.json"), ctlV2Card},
		{"Aria Windward", filepath.Join(dir, "out", "aria.json"), ctlV3Card},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			if err := os.MkdirAll(filepath.Dir(tc.file), 0o700); err != nil {
				t.Fatal(err)
			}
			out := mustRun(t, "card", "export", tc.name, "-o", tc.file, "--store", url)
			if !strings.Contains(out.stdout, "exported "+tc.name) {
				t.Errorf("export said %q", out.stdout)
			}
			exported := must(os.ReadFile(tc.file))(t)
			if strings.HasSuffix(tc.file, ".png") {
				if !bytes.HasPrefix(exported, []byte("\x89PNG\r\n\x1a\n")) {
					t.Fatal("a .png export is not a PNG")
				}
				for _, kw := range []string{"tEXtccv3\x00", "tEXtchara\x00"} {
					if !bytes.Contains(exported, []byte(kw)) {
						t.Errorf("the PNG lacks its %q chunk", kw[4:len(kw)-1])
					}
				}
			}
			// Import it again, under a new name, and export that as JSON.
			again := tc.name + " from " + filepath.Base(tc.file)
			mustRun(t, "card", "import", "--store", url, "--name", again, tc.file)
			js := mustRun(t, "card", "export", again, "-o", "-", "--store", url).stdout

			want := jsonOf(t, []byte(tc.original)).(map[string]any)["data"].(map[string]any)
			got := jsonOf(t, []byte(js)).(map[string]any)
			if got["spec"] != "chara_card_v3" {
				t.Errorf("spec %v, want chara_card_v3", got["spec"])
			}
			gotData := got["data"].(map[string]any)
			want["name"] = again
			// The lore book is compared entry by entry below: the store
			// gives entries IDs of its own.
			wantBook, _ := want["character_book"].(map[string]any)
			delete(want, "character_book")
			for _, bad := range missingFrom(want, gotData, "data") {
				t.Error(bad)
			}
			gotBook, _ := gotData["character_book"].(map[string]any)
			wantEntries, gotEntries := wantBook["entries"].([]any), gotBook["entries"].([]any)
			if len(gotEntries) != len(wantEntries) {
				t.Fatalf("%d lore entries came back, want %d", len(gotEntries), len(wantEntries))
			}
			for i := range wantEntries {
				we := wantEntries[i].(map[string]any)
				delete(we, "id")
				for _, bad := range missingFrom(we, gotEntries[i], fmt.Sprintf("character_book.entries[%d]", i)) {
					t.Error(bad)
				}
			}
			delete(wantBook, "entries")
			for _, bad := range missingFrom(wantBook, gotBook, "character_book") {
				t.Error(bad)
			}
			if tc.original == ctlV2Card {
				if top := got["x_top"]; top == nil {
					t.Error("the unknown top-level member x_top was lost")
				}
			}
		})
	}
}

// A hostile file is refused with an error naming the file and the
// problem, and stores nothing; with several files the good ones are
// imported and the command fails.
func TestCardImportRefusesHostileFiles(t *testing.T) {
	dir := t.TempDir()
	badBase64 := writeFile(t, dir, "bad-base64.png", pngCard(t, [2]string{"chara", "not*base64*at*all!"}))
	notACard := writeFile(t, dir, "settings.json", []byte(`{"theme": "dark", "fontSize": 14}`))
	good := writeFile(t, dir, "brann.json", []byte(ctlV2Card))

	for _, tc := range []struct{ file, problem string }{
		{badBase64, "bad base64"},
		{notACard, "not a character card"},
		{filepath.Join(dir, "missing.png"), "no such file"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			url := newEmptySQLite(t)
			r := run(t, "card", "import", "--store", url, tc.file)
			if r.err == nil {
				t.Fatalf("imported %s: %s", tc.file, r.stdout)
			}
			if msg := r.err.Error(); !strings.HasPrefix(msg, tc.file+": ") || !strings.Contains(msg, tc.problem) {
				t.Errorf("error %q, want it to name %s and %q", msg, tc.file, tc.problem)
			}
			if names := characterNames(t, url); len(names) != 0 {
				t.Errorf("the store holds %v after a refused file", names)
			}
		})
	}

	t.Run("several", func(t *testing.T) {
		url := newEmptySQLite(t)
		r := run(t, "card", "import", "--store", url, badBase64, good, notACard)
		if r.err == nil {
			t.Fatal("no error, with two bad files of three")
		}
		msg := r.err.Error()
		for _, want := range []string{"2 of 3 card files not imported", badBase64 + ": ", notACard + ": "} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q lacks %q", msg, want)
			}
		}
		if !strings.Contains(r.stdout, good+": imported Brann") {
			t.Errorf("the good file was not reported: %q", r.stdout)
		}
		if names := characterNames(t, url); !reflect.DeepEqual(names, []string{"Brann"}) {
			t.Errorf("the store holds %v, want only Brann", names)
		}
	})

	t.Run("CARD_MAX_FILE_SIZE", func(t *testing.T) {
		url := newEmptySQLite(t)
		t.Setenv("CARD_MAX_FILE_SIZE", "100B")
		r := run(t, "card", "import", "--store", url, good)
		if r.err == nil || !strings.HasPrefix(r.err.Error(), good+": ") || !strings.Contains(r.err.Error(), "the limit is 100") {
			t.Errorf("a card over CARD_MAX_FILE_SIZE: %v, want the file and the limit named", r.err)
		}
		t.Setenv("CARD_MAX_FILE_SIZE", "big")
		if r := run(t, "card", "import", "--store", url, good); r.err == nil || !strings.Contains(r.err.Error(), "CARD_MAX_FILE_SIZE") {
			t.Errorf("CARD_MAX_FILE_SIZE=big: %v, want an error naming the variable", r.err)
		}
		if names := characterNames(t, url); len(names) != 0 {
			t.Errorf("the store holds %v", names)
		}
	})

	t.Run("name taken", func(t *testing.T) {
		url := newEmptySQLite(t)
		mustRun(t, "card", "import", "--store", url, good)
		r := run(t, "card", "import", "--store", url, good)
		if r.err == nil || !strings.Contains(r.err.Error(), "--name") {
			t.Errorf("second import of the same card: %v, want a hint at --name", r.err)
		}
	})
}

// The export format follows the file name; other names are refused
// before the store is opened.
func TestCardExportOutput(t *testing.T) {
	url := newEmptySQLite(t)
	for _, args := range [][]string{
		{"card", "export", "Brann", "--store", url},
		{"card", "export", "Brann", "-o", "brann.txt", "--store", url},
	} {
		if r := run(t, args...); r.err == nil || !strings.Contains(r.err.Error(), "-o/--output") {
			t.Errorf("%v: %v, want an error naming -o/--output", args, r.err)
		}
	}
	if r := run(t, "card", "export", "Nobody", "-o", "-", "--store", url); r.err == nil || !strings.Contains(r.err.Error(), `"Nobody"`) {
		t.Errorf("export of a missing character: %v", r.err)
	}
}

package card

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"testing"
)

// The fixtures are written here from the specs (character-card-spec-v2's
// spec_v1.md and spec_v2.md, character-card-spec-v3's SPEC_V3.md) and
// from what SillyTavern writes; nothing is copied from elsewhere.

// v1Card is a flat TavernAI card with SillyTavern's extra V1 members.
const v1Card = `{
  "name": "Aria",
  "description": "A sailor from the northern isles.",
  "personality": "bold, curious",
  "scenario": "{{user}} meets {{char}} at the harbor.",
  "first_mes": "Ahoy, {{user}}!",
  "mes_example": "<START>\n{{user}}: Where to?\n{{char}}: North.",
  "creatorcomment": "my first card",
  "talkativeness": "0.5",
  "fav": false,
  "avatar": "none",
  "chat": "Aria - 2024-01-01",
  "create_date": "2024-01-01 @12h00m00s"
}`

// v2Card is a full V2 card with a lorebook, SillyTavern's top-level
// mirrors and extensions, and members no spec defines at every level.
const v2Card = `{
  "spec": "chara_card_v2",
  "spec_version": "2.0",
  "name": "Brann",
  "description": "mirror",
  "x_top": {"kept": [1, 2.50, "three"]},
  "creatorcomment": "old notes",
  "data": {
    "name": "Brann",
    "description": "A dwarf smith.",
    "personality": "gruff",
    "scenario": "The forge at dawn.",
    "first_mes": "What do you want?",
    "mes_example": "<START>\n{{char}}: Hmph.",
    "creator_notes": "Works best with a slow burn.",
    "system_prompt": "{{original}} Stay in character.",
    "post_history_instructions": "Keep replies short.",
    "alternate_greetings": ["Back again?", "The forge is hot today."],
    "character_book": {
      "name": "Forge lore",
      "description": "Facts about the forge",
      "scan_depth": 4,
      "token_budget": 512,
      "recursive_scanning": true,
      "extensions": {"x_book_ext": {"a": null}},
      "x_book_unknown": 7,
      "entries": [
        {
          "keys": ["forge", "anvil"],
          "content": "The forge never goes cold.",
          "extensions": {"position": 0, "selectiveLogic": 3, "match_whole_words": true, "depth": 4, "probability": 100, "useProbability": true, "group": ""},
          "enabled": true,
          "insertion_order": 100,
          "case_sensitive": false,
          "name": "forge",
          "priority": 10,
          "id": 0,
          "comment": "the forge",
          "selective": true,
          "secondary_keys": ["fire"],
          "constant": false,
          "position": "before_char",
          "x_entry_unknown": "keep me"
        },
        {
          "keys": ["Mithril"],
          "content": "Mithril is rare.",
          "extensions": {},
          "enabled": false,
          "insertion_order": 5,
          "id": 1,
          "position": "after_char"
        }
      ]
    },
    "tags": ["dwarf", "smith"],
    "creator": "someone",
    "character_version": "1.2",
    "extensions": {
      "talkativeness": "0.5",
      "fav": true,
      "world": "Forge lore",
      "depth_prompt": {"prompt": "Brann is tired.", "depth": 4, "role": "system"},
      "x_vendor/nested": {"deep": {"er": [true, null, 1e3, "\u00e9<&>"]}}
    },
    "x_data_unknown": ["a", {"b": 1}]
  }
}`

// v3Card is a full V3 card: assets, nickname, multilingual notes, source,
// group greetings, dates, a regex entry, decorators, string ids.
const v3Card = `{
  "spec": "chara_card_v3",
  "spec_version": "3.0",
  "data": {
    "name": "Ceridwen Vale",
    "nickname": "Ceri",
    "description": "A witch of the marsh.",
    "personality": "sly",
    "scenario": "A foggy night.",
    "first_mes": "You're lost, aren't you?",
    "mes_example": "",
    "creator_notes": "English notes",
    "creator_notes_multilingual": {"en": "English notes", "fr": "Notes en français"},
    "system_prompt": "",
    "post_history_instructions": "",
    "alternate_greetings": [],
    "group_only_greetings": ["Well, a crowd."],
    "tags": ["witch"],
    "creator": "someone else",
    "character_version": "3",
    "source": ["https://example.org/ceri", "hub:1234"],
    "creation_date": 1700000000,
    "modification_date": 1710000000,
    "assets": [
      {"type": "icon", "uri": "embeded://assets/icon/images/main.png", "name": "main", "ext": "png"},
      {"type": "background", "uri": "embedded://assets/background/images/fog.png", "name": "fog", "ext": "png", "x_asset_unknown": 1},
      {"type": "emotion", "uri": "https://example.org/happy.webp", "name": "happy", "ext": "webp"},
      {"type": "x_data", "uri": "data:text/plain;base64,aGVsbG8=", "name": "hello", "ext": "txt"}
    ],
    "character_book": {
      "extensions": {},
      "entries": [
        {
          "keys": ["/marsh(es)?/i"],
          "content": "@@depth 4\n@@role system\nThe marsh hides things.",
          "extensions": {},
          "enabled": true,
          "insertion_order": 1,
          "use_regex": true,
          "constant": false,
          "id": "marsh-1"
        },
        {
          "keys": [],
          "content": "@@activate\nCeri is a witch.",
          "extensions": {"x": 1},
          "enabled": true,
          "insertion_order": 2,
          "use_regex": false,
          "constant": true,
          "id": 7
        }
      ]
    },
    "extensions": {"risuai": {"utilityBot": false}}
  },
  "x_v3_top": "top"
}`

// tinyPNG returns a small valid PNG, encoded by image/png.
func tinyPNG(t testing.TB, c color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawChunk is a PNG chunk the test writes byte by byte.
type rawChunk struct {
	typ  string
	data []byte
}

func tEXt(keyword, text string) rawChunk {
	return rawChunk{"tEXt", append(append([]byte(keyword), 0), text...)}
}

func zTXt(keyword string, text []byte) rawChunk {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(text)
	w.Close()
	return rawChunk{"zTXt", append(append([]byte(keyword), 0, 0), z.Bytes()...)}
}

func iTXt(keyword, text string) rawChunk {
	d := append([]byte(keyword), 0, 0, 0) // not compressed, method 0
	d = append(d, "en"...)
	d = append(d, 0)
	d = append(d, 0) // no translated keyword
	return rawChunk{"iTXt", append(d, text...)}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func appendChunk(out []byte, c rawChunk) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(c.data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(c.typ))
	crc.Write(c.data)
	out = append(out, c.typ...)
	out = append(out, c.data...)
	return binary.BigEndian.AppendUint32(out, crc.Sum32())
}

// pngWith inserts chunks before the IEND of base (a PNG from image/png,
// whose IEND is its last 12 bytes).
func pngWith(t testing.TB, base []byte, chunks ...rawChunk) []byte {
	t.Helper()
	if string(base[len(base)-8:len(base)-4]) != "IEND" {
		t.Fatal("base PNG does not end with IEND")
	}
	out := append([]byte(nil), base[:len(base)-12]...)
	for _, c := range chunks {
		out = appendChunk(out, c)
	}
	return append(out, base[len(base)-12:]...)
}

// textKeywords lists the keywords of a PNG's text chunks, in order, read
// independently of the package.
func textKeywords(t testing.TB, b []byte) (keywords []string, texts map[string]string) {
	t.Helper()
	texts = map[string]string{}
	off := 8
	for off+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[off:]))
		typ := string(b[off+4 : off+8])
		data := b[off+8 : off+8+n]
		if typ == "tEXt" {
			k, v, _ := bytes.Cut(data, []byte{0})
			keywords = append(keywords, string(k))
			texts[string(k)] = string(v)
		}
		off += 12 + n
	}
	return keywords, texts
}

type zipFile struct {
	name string
	data []byte
}

func charxFile(t testing.TB, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeOK(t testing.TB, b []byte) *Result {
	t.Helper()
	res, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return res
}

// jsonValue parses JSON into generic values, for comparing JSON as values.
func jsonValue(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("json: %v\n%s", err, b)
	}
	return normNumbers(v)
}

func normNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normNumbers(e)
		}
	}
	return v
}

// subsetOf reports where orig is not contained in got: every member of
// every object of orig must be in got with an equal value, except null,
// empty arrays and empty objects, which may be absent.
func subsetOf(orig, got any, path string) []string {
	switch o := orig.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path + ": not an object"}
		}
		var bad []string
		for k, v := range o {
			gv, ok := g[k]
			if !ok {
				if isEmptyValue(v) {
					continue
				}
				bad = append(bad, path+"."+k+": missing")
				continue
			}
			bad = append(bad, subsetOf(v, gv, path+"."+k)...)
		}
		return bad
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(o) {
			return []string{path + ": array differs"}
		}
		var bad []string
		for i := range o {
			bad = append(bad, subsetOf(o[i], g[i], path+"["+itoa(i)+"]")...)
		}
		return bad
	default:
		if !reflect.DeepEqual(orig, got) {
			return []string{path + ": " + jsonString(orig) + " became " + jsonString(got)}
		}
	}
	return nil
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// sameCard fails unless a and b are equal, both as Go values and as the
// JSON they encode to.
func sameCard(t testing.TB, a, b *Card) {
	t.Helper()
	ja, err := EncodeJSON(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := EncodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(jsonValue(t, ja), jsonValue(t, jb)) {
		t.Errorf("cards differ as JSON:\n%s\nvs\n%s", ja, jb)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("cards differ as values:\n%#v\nvs\n%#v", a, b)
	}
}

func jpegOf(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

package card

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDecodeJSONVersions(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		version Version
		check   func(t *testing.T, c *Card)
	}{
		{"v1", v1Card, V1, func(t *testing.T, c *Card) {
			want := &Card{
				Name: "Aria", Description: "A sailor from the northern isles.", Personality: "bold, curious",
				Scenario: "{{user}} meets {{char}} at the harbor.", FirstMes: "Ahoy, {{user}}!",
				MesExample: "<START>\n{{user}}: Where to?\n{{char}}: North.", CreatorNotes: "my first card",
				Extra: Raw{"talkativeness": json.RawMessage(`"0.5"`), "fav": json.RawMessage(`false`),
					"avatar": json.RawMessage(`"none"`), "chat": json.RawMessage(`"Aria - 2024-01-01"`),
					"create_date": json.RawMessage(`"2024-01-01 @12h00m00s"`)},
			}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got  %#v\nwant %#v", c, want)
			}
		}},
		{"v2", v2Card, V2, func(t *testing.T, c *Card) {
			if c.Name != "Brann" || c.Description != "A dwarf smith." || c.SystemPrompt != "{{original}} Stay in character." ||
				c.PostHistoryInstructions != "Keep replies short." || c.CreatorNotes != "Works best with a slow burn." ||
				c.CharacterVersion != "1.2" || c.Creator != "someone" {
				t.Errorf("fields: %+v", c)
			}
			if !reflect.DeepEqual(c.AlternateGreetings, []string{"Back again?", "The forge is hot today."}) || !reflect.DeepEqual(c.Tags, []string{"dwarf", "smith"}) {
				t.Errorf("greetings %q tags %q", c.AlternateGreetings, c.Tags)
			}
			if string(c.Extensions["depth_prompt"]) != `{"prompt":"Brann is tired.","depth":4,"role":"system"}` {
				t.Errorf("depth_prompt = %s", c.Extensions["depth_prompt"])
			}
			if string(c.DataExtra["x_data_unknown"]) != `["a",{"b":1}]` || string(c.Extra["x_top"]) != `{"kept":[1,2.50,"three"]}` {
				t.Errorf("extra %v / data extra %v", c.Extra, c.DataExtra)
			}
			if _, ok := c.Extra["name"]; ok {
				t.Error("the top-level name mirror was kept as an unknown member")
			}
			b := c.CharacterBook
			if b == nil || b.Name != "Forge lore" || *b.ScanDepth != 4 || *b.TokenBudget != 512 || !*b.RecursiveScanning ||
				string(b.Extra["x_book_unknown"]) != "7" || len(b.Entries) != 2 {
				t.Fatalf("book %+v", b)
			}
			e := b.Entries[0]
			if !reflect.DeepEqual(e.Keys, []string{"forge", "anvil"}) || !reflect.DeepEqual(e.SecondaryKeys, []string{"fire"}) ||
				!e.Enabled || e.InsertionOrder != 100 || *e.CaseSensitive || !e.Selective || e.Constant || e.Name != "forge" ||
				*e.Priority != 10 || *e.ID != (EntryID{Text: "0", Numeric: true}) || e.Comment != "the forge" || e.Position != "before_char" ||
				string(e.Extra["x_entry_unknown"]) != `"keep me"` {
				t.Errorf("entry 0 %+v", e)
			}
			if e.SelectiveLogic == nil || *e.SelectiveLogic != AndAll {
				t.Errorf("selective logic = %v, want AND ALL", e.SelectiveLogic)
			}
			if v, ok := e.Extensions.Bool("match_whole_words"); !v || !ok {
				t.Error("match_whole_words not readable from extensions")
			}
			if e1 := b.Entries[1]; e1.Enabled || e1.Position != "after_char" || e1.SelectiveLogic != nil || e1.CaseSensitive != nil {
				t.Errorf("entry 1 %+v", e1)
			}
		}},
		{"v3", v3Card, V3, func(t *testing.T, c *Card) {
			if c.Name != "Ceridwen Vale" || c.Nickname != "Ceri" || c.DisplayName() != "Ceri" {
				t.Errorf("names %q %q", c.Name, c.Nickname)
			}
			if c.CreatorNotesMultilingual["fr"] != "Notes en français" || !reflect.DeepEqual(c.Source, []string{"https://example.org/ceri", "hub:1234"}) ||
				!reflect.DeepEqual(c.GroupOnlyGreetings, []string{"Well, a crowd."}) || c.AlternateGreetings != nil {
				t.Errorf("v3 fields %+v", c)
			}
			if ct, ok := c.CreationTime(); !ok || !ct.Equal(time.Unix(1700000000, 0)) || *c.ModificationDate != 1710000000 {
				t.Errorf("dates %v %v", c.CreationDate, c.ModificationDate)
			}
			if len(c.Assets) != 4 || !reflect.DeepEqual(c.Assets[0], Asset{Type: "icon", URI: "embeded://assets/icon/images/main.png", Name: "main", Ext: "png"}) ||
				string(c.Assets[1].Extra["x_asset_unknown"]) != "1" || c.MainIcon() != 0 {
				t.Errorf("assets %+v", c.Assets)
			}
			e := c.CharacterBook.Entries
			if !e[0].UseRegex || *e[0].ID != (EntryID{Text: "marsh-1"}) || !strings.HasPrefix(e[0].Content, "@@depth 4\n@@role system\n") {
				t.Errorf("entry 0 %+v", e[0])
			}
			if !e[1].Constant || e[1].Keys != nil || *e[1].ID != (EntryID{Text: "7", Numeric: true}) {
				t.Errorf("entry 1 %+v", e[1])
			}
			if string(c.Extra["x_v3_top"]) != `"top"` {
				t.Errorf("extra %v", c.Extra)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := decodeOK(t, []byte(tt.in))
			if res.Format != FormatJSON || res.Version != tt.version {
				t.Errorf("format %s version %s, want json %s", res.Format, res.Version, tt.version)
			}
			if string(res.Original) != tt.in || string(res.CardJSON) != tt.in {
				t.Error("Original/CardJSON are not the input")
			}
			tt.check(t, res.Card)
		})
	}
}

// A V1 card maps into the model and exports as V3 with its fields in data.
func TestV1ExportsAsV3(t *testing.T) {
	res := decodeOK(t, []byte(v1Card))
	out, err := EncodeJSON(res.Card)
	if err != nil {
		t.Fatal(err)
	}
	var v3 struct {
		Spec        string         `json:"spec"`
		SpecVersion string         `json:"spec_version"`
		Data        map[string]any `json:"data"`
		Name        string         `json:"name"`
		Talk        string         `json:"talkativeness"`
	}
	if err := json.Unmarshal(out, &v3); err != nil {
		t.Fatal(err)
	}
	if v3.Spec != SpecV3 || v3.SpecVersion != "3.0" || v3.Name != "Aria" || v3.Talk != "0.5" {
		t.Errorf("top level: %+v", v3)
	}
	for k, want := range map[string]any{
		"name": "Aria", "personality": "bold, curious", "first_mes": "Ahoy, {{user}}!",
		"mes_example": "<START>\n{{user}}: Where to?\n{{char}}: North.", "creator_notes": "my first card",
		"alternate_greetings": []any{}, "group_only_greetings": []any{}, "tags": []any{}, "extensions": map[string]any{},
	} {
		if !reflect.DeepEqual(v3.Data[k], want) {
			t.Errorf("data.%s = %#v, want %#v", k, v3.Data[k], want)
		}
	}
	again := decodeOK(t, out)
	if again.Version != V3 {
		t.Errorf("re-import version %s", again.Version)
	}
	sameCard(t, res.Card, again.Card)
}

func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, r *Result)
	}{
		{"BOM and nulls", "\xef\xbb\xbf" + `{"spec":"chara_card_v2","data":{"name":"N","tags":null,"alternate_greetings":[null,"hi"],"extensions":null,"character_book":null}}`,
			func(t *testing.T, r *Result) {
				if r.Card.Tags != nil || !reflect.DeepEqual(r.Card.AlternateGreetings, []string{"hi"}) || r.Card.CharacterBook != nil {
					t.Errorf("%+v", r.Card)
				}
			}},
		{"numbers as strings and back", `{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"N","character_version":1.5,"creation_date":"1700000000","modification_date":1.7e12,
			"character_book":{"entries":[{"keys":["k"],"content":"c","insertion_order":"3","position":1,"id":"x"}]}}}`,
			func(t *testing.T, r *Result) {
				c := r.Card
				if c.CharacterVersion != "1.5" || *c.CreationDate != 1700000000 || *c.ModificationDate != 1_700_000_000_000 {
					t.Errorf("%+v", c)
				}
				if mt, ok := c.ModificationTime(); !ok || mt.Year() != 2023 {
					t.Errorf("milliseconds not recognised: %v", mt)
				}
				e := c.CharacterBook.Entries[0]
				if e.InsertionOrder != 3 || e.Position != "after_char" || !e.Enabled {
					t.Errorf("%+v", e)
				}
			}},
		{"pygmalion v1", `{"char_name":"Old","char_persona":"p","world_scenario":"w","char_greeting":"g","example_dialogue":"e"}`,
			func(t *testing.T, r *Result) {
				c := r.Card
				if c.Name != "Old" || c.Description != "p" || c.Scenario != "w" || c.FirstMes != "g" || c.MesExample != "e" || c.Extra != nil {
					t.Errorf("%+v", c)
				}
			}},
		{"v2 without data", `{"spec":"chara_card_v2","name":"Flat","description":"d"}`,
			func(t *testing.T, r *Result) {
				if r.Card.Name != "Flat" || r.Card.Description != "d" || r.Version != V2 || len(r.Warnings) != 1 {
					t.Errorf("%+v %v", r.Card, r.Warnings)
				}
			}},
		{"empty data.name", `{"spec":"chara_card_v2","name":"Top","data":{"name":""}}`,
			func(t *testing.T, r *Result) {
				if r.Card.Name != "Top" || len(r.Warnings) != 1 {
					t.Errorf("%+v %v", r.Card, r.Warnings)
				}
			}},
		{"newer v3", `{"spec":"chara_card_v3","spec_version":"3.1","data":{"name":"N"}}`,
			func(t *testing.T, r *Result) {
				if r.Version != V3 || r.SpecVersion != "3.1" || len(r.Warnings) != 1 {
					t.Errorf("%v %v", r.SpecVersion, r.Warnings)
				}
			}},
		{"V2 without spec", `{"data":{"name":"Lost spec","tags":["t"]}}`,
			func(t *testing.T, r *Result) {
				if r.Version != V2 || r.Card.Name != "Lost spec" || len(r.Warnings) != 1 {
					t.Errorf("%+v %v", r.Card, r.Warnings)
				}
			}},
		{"V1 with members named like V3's", `{"name":"N","data":"not a card","spec_version":"1.0"}`,
			func(t *testing.T, r *Result) {
				if r.Version != V1 || string(r.Card.DataExtra["data"]) != `"not a card"` || string(r.Card.DataExtra["spec_version"]) != `"1.0"` {
					t.Errorf("%+v", r.Card)
				}
			}},
		{"world-info style selectiveLogic", `{"spec":"chara_card_v2","data":{"name":"N","character_book":{"entries":[{"keys":["a"],"content":"c","selectiveLogic":2}]}}}`,
			func(t *testing.T, r *Result) {
				if l := r.Card.CharacterBook.Entries[0].SelectiveLogic; l == nil || *l != NotAny {
					t.Errorf("logic %v", l)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := decodeOK(t, []byte(tt.in))
			tt.check(t, r)
			out, err := EncodeJSON(r.Card)
			if err != nil {
				t.Fatal(err)
			}
			sameCard(t, r.Card, decodeOK(t, out).Card)
		})
	}
}

func TestSelectiveLogicWrittenOnlyWhenChanged(t *testing.T) {
	c := decodeOK(t, []byte(v2Card)).Card
	out, _ := EncodeJSON(c)
	if !strings.Contains(string(out), `"selectiveLogic": 3`) {
		t.Fatalf("unchanged logic not kept:\n%s", out)
	}
	l := NotAny
	c.CharacterBook.Entries[0].SelectiveLogic = &l
	c.CharacterBook.Entries[1].SelectiveLogic = &l
	out, _ = EncodeJSON(c)
	again := decodeOK(t, out).Card
	for i, e := range again.CharacterBook.Entries {
		if e.SelectiveLogic == nil || *e.SelectiveLogic != NotAny {
			t.Errorf("entry %d: logic %v", i, e.SelectiveLogic)
		}
		if n, _ := e.Extensions.Int("selectiveLogic"); n != 2 {
			t.Errorf("entry %d: extensions %v", i, e.Extensions)
		}
	}
	if c.CharacterBook.Entries[1].Extensions != nil {
		t.Error("encoding changed the card's own extensions")
	}
}

func TestParseJSONWrongTypes(t *testing.T) {
	tests := []struct{ in, path string }{
		{`{"name":["x"]}`, "name"},
		{`{"spec":"chara_card_v2","data":{"name":"n","tags":"a,b"}}`, "data.tags"},
		{`{"spec":"chara_card_v2","data":{"name":"n","alternate_greetings":[1,{}]}}`, "data.alternate_greetings[1]"},
		{`{"spec":"chara_card_v2","data":{"name":"n","extensions":[]}}`, "data.extensions"},
		{`{"spec":"chara_card_v2","data":{"name":"n","character_book":{"entries":[{"keys":["a"]},{"keys":"b"}]}}}`, "data.character_book.entries[1].keys"},
		{`{"spec":"chara_card_v2","data":{"name":"n","character_book":{"entries":{}}}}`, "data.character_book.entries"},
		{`{"spec":"chara_card_v2","data":{"name":"n","character_book":{"entries":[{"enabled":"yes"}]}}}`, "data.character_book.entries[0].enabled"},
		{`{"spec":"chara_card_v2","data":{"name":"n","character_book":{"scan_depth":"deep","entries":[]}}}`, "data.character_book.scan_depth"},
		{`{"spec":"chara_card_v3","data":{"name":"n","assets":[{"type":1,"uri":"x"},"y"]}}`, "data.assets[1]"},
		{`{"spec":"chara_card_v3","data":{"name":"n","creation_date":true}}`, "data.creation_date"},
		{`{"spec":"chara_card_v3","data":{"name":"n","creator_notes_multilingual":{"en":false}}}`, "data.creator_notes_multilingual.en"},
		{`{"spec":"chara_card_v3","data":"n"}`, "data"},
		{`{"spec":true}`, "spec"},
	}
	for _, tt := range tests {
		_, _, err := ParseJSON([]byte(tt.in))
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrNotACard) || fe.Path != tt.path {
			t.Errorf("%s: err %v, want a FieldError at %s", tt.in, err, tt.path)
		}
	}
}

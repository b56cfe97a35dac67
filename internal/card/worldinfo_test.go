package card

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// stWorldInfo is a SillyTavern world-info file as its editor writes it.
const stWorldInfo = `{
  "name": "Kestrel skies",
  "x_app": {"v": 2},
  "entries": {
    "10": {"uid": 10, "key": ["storm"], "keysecondary": ["night", "sea"], "comment": "storms", "content": "Storms come at night.",
           "constant": false, "selective": true, "selectiveLogic": 3, "order": 50, "position": 4, "disable": true,
           "excludeRecursion": true, "probability": 80, "useProbability": true, "depth": 2, "caseSensitive": null,
           "matchWholeWords": true, "group": "weather", "x_new_member": [1, 2]},
    "2": {"uid": 2, "key": ["Kestrel"], "keysecondary": [], "comment": "", "content": "The Kestrel is an airship.",
          "constant": true, "selective": false, "order": 100, "position": 1, "disable": false, "caseSensitive": true}
  }
}`

func TestDecodeWorldInfo(t *testing.T) {
	b, err := DecodeWorldInfo([]byte(stWorldInfo))
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "Kestrel skies" || len(b.Entries) != 2 || string(b.Extra["x_app"]) != `{"v":2}` {
		t.Fatalf("book = %+v", b)
	}
	ship, storm := b.Entries[0], b.Entries[1] // by uid: 2 before 10
	if ship.ID == nil || ship.ID.Text != "2" || !ship.ID.Numeric || !ship.Constant || ship.Position != "after_char" ||
		ship.InsertionOrder != 100 || ship.CaseSensitive == nil || !*ship.CaseSensitive || !ship.Enabled || ship.Keys[0] != "Kestrel" {
		t.Errorf("ship entry = %+v", ship)
	}
	if storm.Enabled || !storm.Selective || storm.SelectiveLogic == nil || *storm.SelectiveLogic != AndAll ||
		storm.Comment != "storms" || storm.InsertionOrder != 50 || storm.CaseSensitive != nil || storm.Position != "" ||
		strings.Join(storm.SecondaryKeys, ",") != "night,sea" {
		t.Errorf("storm entry = %+v", storm)
	}
	for key, want := range map[string]string{
		"position": "4", "depth": "2", "exclude_recursion": "true", "match_whole_words": "true", "probability": "80",
		"useProbability": "true", "group": `"weather"`, "selectiveLogic": "3", "x_new_member": "[1,2]",
	} {
		if got := string(storm.Extensions[key]); got != want {
			t.Errorf("storm extensions[%s] = %s, want %s", key, got, want)
		}
	}
	if _, ok := storm.Extensions["case_sensitive"]; ok {
		t.Errorf("a null member was kept: %s", storm.Extensions)
	}
}

func TestDecodeWorldInfoCharacterBook(t *testing.T) {
	b, err := DecodeWorldInfo([]byte(`{"name": "B", "scan_depth": 3, "entries": [{"keys": ["a"], "content": "A.", "insertion_order": 1}]}`))
	if err != nil || len(b.Entries) != 1 || b.Entries[0].Keys[0] != "a" || *b.ScanDepth != 3 {
		t.Fatalf("character_book = %+v, %v", b, err)
	}
}

func TestDecodeWorldInfoHostile(t *testing.T) {
	many := `{"entries": {` + func() string {
		parts := make([]string, DefaultMaxWorldInfoEntries+1)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"%d": {}`, i)
		}
		return strings.Join(parts, ",")
	}() + `}}`
	for _, tc := range []struct {
		name string
		in   string
		lim  Limits
		want error
	}{
		{"bad JSON", `{"entries": {`, Limits{}, ErrBadJSON},
		{"not an object", `[1, 2]`, Limits{}, ErrNotWorldInfo},
		{"no entries", `{"name": "x"}`, Limits{}, ErrNotWorldInfo},
		{"entries of the wrong kind", `{"entries": "x"}`, Limits{}, ErrNotWorldInfo},
		{"an entry that is not an object", `{"entries": {"0": 5}}`, Limits{}, ErrNotACard},
		{"a key that is not a string", `{"entries": {"0": {"key": [{}]}}}`, Limits{}, ErrNotACard},
		{"a position that is not a number", `{"entries": {"0": {"position": "x"}}}`, Limits{}, ErrNotACard},
		{"too large", stWorldInfo, Limits{MaxCardJSON: 100}, ErrTooLarge},
		{"too many entries", many, Limits{}, ErrTooManyEntries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.lim.DecodeWorldInfo([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

package card

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestModelHelpers(t *testing.T) {
	c := &Card{Name: "Ceridwen", FirstMes: "Hi", AlternateGreetings: []string{"", "Hello"}}
	if c.DisplayName() != "Ceridwen" {
		t.Error(c.DisplayName())
	}
	c.Nickname = "Ceri"
	if c.DisplayName() != "Ceri" || !reflect.DeepEqual(c.Greetings(), []string{"Hi", "Hello"}) {
		t.Error(c.DisplayName(), c.Greetings())
	}
	if c.MainIcon() != -1 {
		t.Error("no assets, no icon")
	}
	c.Assets = []Asset{{Type: "background", Name: "main"}, {Type: "icon", Name: "alt"}, {Type: "icon", Name: "main"}}
	if c.MainIcon() != 2 {
		t.Error(c.MainIcon())
	}
	c.Assets = c.Assets[:2]
	if c.MainIcon() != 1 {
		t.Error(c.MainIcon())
	}
	zero := int64(0)
	if _, ok := (&Card{CreationDate: &zero}).CreationTime(); ok {
		t.Error("0 means unknown")
	}

	r := Raw{"b": json.RawMessage("true"), "n": json.RawMessage("4.0"), "s": json.RawMessage(`"x"`), "z": json.RawMessage("null")}
	if v, ok := r.Bool("b"); !v || !ok {
		t.Error("Bool")
	}
	if _, ok := r.Bool("z"); ok {
		t.Error("null is not a boolean")
	}
	if n, ok := r.Int("n"); n != 4 || !ok {
		t.Error("Int")
	}
	if _, ok := r.Int("s"); ok {
		t.Error("a string is not an int")
	}
	if s, ok := r.String("s"); s != "x" || !ok {
		t.Error("String")
	}
	if err := r.Set("new", map[string]any{"a": "<&>"}); err != nil || string(r["new"]) != `{"a":"<&>"}` {
		t.Errorf("Set: %v %s", err, r["new"])
	}
	if AndAll.String() != "AND ALL" || SelectiveLogic(9).String() != "SelectiveLogic(9)" {
		t.Error("SelectiveLogic.String")
	}
}

func TestDetect(t *testing.T) {
	for in, want := range map[string]Format{
		"\x89PNG\r\n\x1a\nrest": FormatPNG,
		"PK\x03\x04rest":        FormatCHARX,
		" \n{\"name\":1}":       FormatJSON,
		"\xef\xbb\xbf[":         FormatJSON,
		"\xff\xd8\xff\xe0":      "",
		"name: x":               "",
	} {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("Detect(%q) = %q, want %q", in, got, want)
		}
	}
}

package card

import (
	"reflect"
	"testing"
)

func TestParseDecorators(t *testing.T) {
	tests := []struct {
		in   string
		decs []Decorator
		body string
	}{
		{"plain text\n@@not a decorator", nil, "plain text\n@@not a decorator"},
		{"@@depth 4\n@@role system\n\nThe marsh hides things.", []Decorator{{Name: "depth", Value: "4"}, {Name: "role", Value: "system"}}, "The marsh hides things."},
		{"@@activate\r\nText", []Decorator{{Name: "activate"}}, "Text"},
		{"@@risu_only 4\n@@@agn_only 4\n@@@activate_only_every 4\n@@additional_keys a, b ,c\nX",
			[]Decorator{{Name: "risu_only", Value: "4", Fallbacks: []Decorator{{Name: "agn_only", Value: "4"}, {Name: "activate_only_every", Value: "4"}}},
				{Name: "additional_keys", Value: "a, b ,c"}}, "X"},
		{"@@dont_activate", []Decorator{{Name: "dont_activate"}}, ""},
	}
	for _, tt := range tests {
		decs, body := ParseDecorators(tt.in)
		if !reflect.DeepEqual(decs, tt.decs) || body != tt.body {
			t.Errorf("%q: got %+v %q, want %+v %q", tt.in, decs, body, tt.decs, tt.body)
		}
	}
	if v := (Decorator{Value: "a, b ,c"}).Values(); !reflect.DeepEqual(v, []string{"a", "b", "c"}) {
		t.Errorf("values %q", v)
	}
	// The codec keeps content verbatim.
	c := decodeOK(t, []byte(v3Card)).Card
	if decs, _ := ParseDecorators(c.CharacterBook.Entries[0].Content); len(decs) != 2 {
		t.Errorf("decorators of the fixture: %+v", decs)
	}
}

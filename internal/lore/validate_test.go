package lore

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		want  string // a substring of the error, "" for none
	}{
		{"good", Entry{Keys: []string{"a", "/b/i", "{{char}}"}, SecondaryKeys: []string{"/{{user}}/"}}, ""},
		{"lookbehind", Entry{Keys: []string{"/(?<=a)b/"}}, "lookbehind"},
		{"bad secondary under use_regex", Entry{Keys: []string{"a"}, SecondaryKeys: []string{"(a"}, UseRegex: true}, "missing closing )"},
		{"logic", Entry{Logic: 7}, "selective logic"},
		{"position", Entry{Position: 42}, "position"},
		{"role", Entry{Role: 5}, "role"},
		{"depth", Entry{Depth: -1}, "negative depth"},
		{"scan depth", Entry{ScanDepth: ScanDepth(-2)}, "negative scan depth"},
		{"outlet without name", Entry{Position: PositionOutlet}, "outlet name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.entry.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
			}
		})
	}
	b := Book{Name: "n", Scope: 9, TokenBudget: -1, Entries: []Entry{{ID: "x", Keys: []string{"/(?!a)/"}}}}
	err := b.Validate()
	for _, want := range []string{"unknown scope", "negative token budget", "entry scope(9)/n/x"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Book.Validate() = %v, want %q", err, want)
		}
	}
}

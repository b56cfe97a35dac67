package card

import (
	"slices"
	"testing"
)

func TestExampleDialogues(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"blank", " \n ", nil},
		{"no marker is one block", "{{user}}: Hi\n{{char}}: Hello.", []string{"{{user}}: Hi\n{{char}}: Hello."}},
		{"two blocks", "<START>\n{{user}}: Hi\n{{char}}: Hello.\n<START>\n{{char}}: *waves*\n",
			[]string{"{{user}}: Hi\n{{char}}: Hello.", "{{char}}: *waves*"}},
		{"any case, empty blocks dropped", "<start><START>\n\nA: one\n<Start>  \n", []string{"A: one"}},
		{"text before the first marker is kept", "intro line\n<START>\nB: two", []string{"intro line", "B: two"}},
		{"marker inside a line", "A: x <START> B: y", []string{"A: x", "B: y"}},
		{"letters that grow when lowered", "İİ <START> B: y", []string{"İİ", "B: y"}},
		{"non-ASCII around", "<START>\n{{char}}: こんにちは\n<START>\n{{char}}: ça va", []string{"{{char}}: こんにちは", "{{char}}: ça va"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExampleDialogues(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("ExampleDialogues(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

package card

import "strings"

// startMarker opens each example conversation in mes_example.
const startMarker = "<start>"

// ExampleDialogues splits a card's mes_example into its example
// conversations: the text between <START> markers (any case), trimmed,
// empty ones dropped. Text without any marker is one conversation. The
// macros inside are left for the prompt builder.
func ExampleDialogues(mesExample string) []string {
	var out []string
	last := 0
	add := func(block string) {
		if block = strings.TrimSpace(block); block != "" {
			out = append(out, block)
		}
	}
	// Byte by byte rather than on strings.ToLower, whose result can be
	// longer than its input (İ) and so would misplace the cuts.
	for i := 0; i+len(startMarker) <= len(mesExample); i++ {
		if mesExample[i] == '<' && strings.EqualFold(mesExample[i:i+len(startMarker)], startMarker) {
			add(mesExample[last:i])
			last = i + len(startMarker)
			i = last - 1
		}
	}
	add(mesExample[last:])
	return out
}

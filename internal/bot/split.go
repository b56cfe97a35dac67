package bot

import (
	"strings"
	"unicode/utf16"
)

// discordMessageLimit is the most characters a Discord message may hold.
// Discord counts UTF-16 code units (a JavaScript string's length), so an
// emoji outside the Basic Multilingual Plane counts twice.
const discordMessageLimit = 2000

// splitMessage cuts text into messages of at most limit characters,
// preferring, in order, a paragraph break, the end of a sentence, a line
// break and a space, as long as the cut keeps at least half the limit in
// the message; only a text without any of them is cut mid-word.
func splitMessage(text string, limit int) []string {
	var out []string
	text = strings.TrimSpace(text)
	for utf16Len(text) > limit {
		head := prefixWithin(text, limit)
		cut := bestCut(head, len(head)/2)
		if chunk := strings.TrimSpace(text[:cut]); chunk != "" {
			out = append(out, chunk)
		}
		text = strings.TrimSpace(text[cut:])
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}

// bestCut is the byte offset to cut head at: right after the best boundary
// at or beyond floor, or the end of head.
func bestCut(head string, floor int) int {
	if i := strings.LastIndex(head, "\n\n"); i >= floor {
		return i + 2
	}
	best := -1
	for _, end := range []string{". ", "! ", "? ", ".\n", "!\n", "?\n", "…", ".\"", "!\"", "?\""} {
		if i := strings.LastIndex(head, end); i >= 0 && i+len(end) > best {
			best = i + len(end)
		}
	}
	if best >= floor {
		return best
	}
	for _, sep := range []string{"\n", " "} {
		if i := strings.LastIndex(head, sep); i >= floor {
			return i + len(sep)
		}
	}
	return len(head)
}

// prefixWithin returns the longest prefix of s, on a rune boundary, of at
// most limit UTF-16 code units.
func prefixWithin(s string, limit int) string {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 { // invalid rune: Discord receives U+FFFD
			w = 1
		}
		if n+w > limit {
			return s[:i]
		}
		n += w
	}
	return s
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}

// truncate shortens s to at most limit UTF-16 code units, marking the cut.
func truncate(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	return prefixWithin(s, limit-1) + "…"
}

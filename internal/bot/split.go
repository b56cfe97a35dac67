package bot

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// discordMessageLimit is the most characters a Discord message may hold.
// Discord counts UTF-16 code units (a JavaScript string's length), so an
// emoji outside the Basic Multilingual Plane counts twice.
const discordMessageLimit = 2000

// splitMessage cuts text into messages of at most limit characters,
// preferring, in order, a paragraph break, the end of a sentence (also
// 。！？), a line break and a space, as long as the cut keeps at least half
// the limit in the message; only a text without any of them is cut
// mid-word, and then never inside a character a user sees as one (an emoji
// sequence, a flag, a letter with its accents). A Markdown span open at a
// cut (bold, italics, code, a code block, …) is closed at the end of the
// message and opened again at the start of the next.
func splitMessage(text string, limit int) []string {
	var out []string
	text = strings.TrimSpace(text)
	for utf16Len(text) > limit {
		chunk, rest := splitOnce(text, limit)
		if chunk != "" {
			out = append(out, chunk)
		}
		text = rest
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}

// splitOnce cuts the first message off text, which is longer than limit.
func splitOnce(text string, limit int) (chunk, rest string) {
	budget := limit
	for {
		head := prefixWithin(text, budget)
		cut := bestCut(head, len(head)/2)
		if cut == len(head) {
			if c := clusterBoundary(text, cut); c > 0 {
				cut = c
			}
		}
		chunk, rest = strings.TrimSpace(text[:cut]), strings.TrimSpace(text[cut:])
		closing, reopening := openSpans(chunk)
		if closing == "" {
			return chunk, rest
		}
		// The closing markers must fit too: cut shorter, unless that would
		// leave too little (then the span is left broken rather than the
		// text cut into crumbs).
		if n := utf16Len(chunk + closing); n <= limit || budget <= limit/2 {
			if n <= limit {
				return chunk + closing, reopening + rest
			}
			return chunk, rest
		}
		// Strictly shorter each time, so the loop ends.
		budget = min(budget-1, limit-utf16Len(closing))
	}
}

// bestCut is the byte offset to cut head at: right after the best boundary
// at or beyond floor, or the end of head.
func bestCut(head string, floor int) int {
	if i := strings.LastIndex(head, "\n\n"); i >= floor {
		return i + 2
	}
	best := lastCJKSentenceEnd(head)
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

// lastCJKSentenceEnd is the offset right after the last full-width
// sentence end of s (。！？, with the closing brackets and quotes that
// follow it), or -1. CJK text puts no space after a sentence.
func lastCJKSentenceEnd(s string) int {
	best := -1
	for i, r := range s {
		switch r {
		case '。', '！', '？', '｡':
			end := i + len(string(r))
			for end < len(s) {
				next, size := utf8.DecodeRuneInString(s[end:])
				if !strings.ContainsRune("」』）】〉》\"'”’", next) {
					break
				}
				end += size
			}
			best = end
		}
	}
	return best
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

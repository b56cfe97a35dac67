package bot

import (
	"unicode"
	"unicode/utf8"
)

// Enough of Unicode's grapheme cluster rules (UAX #29) to never cut what a
// user sees as one character: emoji ZWJ sequences (👨‍👩‍👧), flags (pairs of
// regional indicators), skin tones, keycaps, tag sequences (🏴 of England)
// and letters with combining accents.

const zeroWidthJoiner = '\u200d'

// clusterBoundary is the largest offset ≤ i that does not fall inside a
// grapheme cluster of s, or 0 when s[:i] is one cluster.
func clusterBoundary(s string, i int) int {
	for i > 0 && i < len(s) && !breakBetween(s[:i], s[i:]) {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// breakBetween reports whether a cluster may end between before and after.
func breakBetween(before, after string) bool {
	a, _ := utf8.DecodeLastRuneInString(before)
	b, _ := utf8.DecodeRuneInString(after)
	switch {
	case a == zeroWidthJoiner, extends(b):
		return false
	case regionalIndicator(a) && regionalIndicator(b):
		// Indicators pair up from the start of the run: break only after
		// an even number of them.
		n := 0
		for rest := before; rest != ""; {
			r, size := utf8.DecodeLastRuneInString(rest)
			if !regionalIndicator(r) {
				break
			}
			n++
			rest = rest[:len(rest)-size]
		}
		return n%2 == 0
	}
	return true
}

// extends reports whether r continues the cluster before it.
func extends(r rune) bool {
	switch {
	case r == zeroWidthJoiner,
		r >= 0xfe00 && r <= 0xfe0f, // variation selectors (emoji presentation)
		r >= 0xe0100 && r <= 0xe01ef,
		r >= 0x1f3fb && r <= 0x1f3ff, // skin tone modifiers
		r >= 0xe0020 && r <= 0xe007f: // tags (subdivision flags)
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) // combining marks, the keycap
}

func regionalIndicator(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// spanMarkers are Discord's inline Markdown delimiters, longest first so
// that ** is not read as two *.
var spanMarkers = []string{"**", "__", "~~", "||", "*", "_"}

// openSpans finds the Markdown spans still open at the end of s and
// returns the text that closes them (to append to s) and the text that
// opens them again (to put before the rest). A code block is closed with
// its fence and reopened with its language; inside code, nothing else
// counts. A marker opens only before a non-space and closes only after
// one, so bullets ("* item") and arithmetic ("2 * 3") open nothing.
func openSpans(s string) (closing, reopening string) {
	var stack []string
	inFence, lang := false, ""
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "```"):
			if inFence {
				inFence = false
				i += 3
				continue
			}
			inFence = true
			line, _, _ := strings.Cut(rest[3:], "\n")
			lang = strings.TrimSpace(line)
			i += 3 + len(line)
			continue
		case inFence:
			i++
			continue
		case rest[0] == '\\' && len(rest) > 1: // an escaped character is text
			_, size := utf8.DecodeRuneInString(rest[1:])
			i += 1 + size
			continue
		case rest[0] == '`':
			end := strings.IndexByte(rest[1:], '`')
			if end < 0 {
				stack = append(stack, "`")
				i = len(s)
				continue
			}
			i += end + 2
			continue
		}
		if m := markerAt(s, i); m != "" {
			if at := slices.Index(stack, m); at >= 0 && closesAt(s, i) {
				stack = slices.Delete(stack, at, at+1)
			} else if opensAt(s, i+len(m)) {
				stack = append(stack, m)
			}
			i += len(m)
			continue
		}
		_, size := utf8.DecodeRuneInString(rest)
		i += size
	}
	if inFence {
		return "\n```", "```" + lang + "\n"
	}
	for _, m := range slices.Backward(stack) {
		closing += m
	}
	return closing, strings.Join(stack, "")
}

// markerAt is the span marker at s[i:], or "". An underscore inside a word
// (snake_case) is no marker.
func markerAt(s string, i int) string {
	for _, m := range spanMarkers {
		if !strings.HasPrefix(s[i:], m) {
			continue
		}
		if m == "_" && i > 0 && wordRuneBefore(s, i) && wordRuneAt(s, i+1) {
			return ""
		}
		return m
	}
	return ""
}

// opensAt: a span opens only when text follows at once.
func opensAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && !unicode.IsSpace(r)
}

// closesAt: a span closes only right after text.
func closesAt(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && !unicode.IsSpace(r)
}

func wordRuneBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func wordRuneAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

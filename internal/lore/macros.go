package lore

import "strings"

// macros replaces {{char}} and {{user}} (and the older <BOT>, <CHAR> and
// <USER>), case-insensitively, in keys and content before they are matched,
// counted and returned. The stored entry is never changed: a character
// may be renamed, and a user's persona differs per turn.
type macros struct {
	char, user string
}

var macroNames = []struct {
	token  string
	isUser bool
}{
	{"{{char}}", false}, {"{{user}}", true}, {"<bot>", false}, {"<char>", false}, {"<user>", true},
}

// apply replaces the macros in s. quote, when non-nil, escapes the names
// (regexp.QuoteMeta inside a pattern). A macro whose name is unknown (empty)
// is left as written.
func (m macros) apply(s string, quote func(string) string) string {
	if m.char == "" && m.user == "" {
		return s
	}
	if !strings.ContainsAny(s, "{<") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '{' && s[i] != '<' {
			continue
		}
		for _, mc := range macroNames {
			if len(s)-i < len(mc.token) || !strings.EqualFold(s[i:i+len(mc.token)], mc.token) {
				continue
			}
			name := m.char
			if mc.isUser {
				name = m.user
			}
			if name == "" {
				break
			}
			if quote != nil {
				name = quote(name)
			}
			b.WriteString(s[last:i])
			b.WriteString(name)
			i += len(mc.token) - 1
			last = i + 1
			break
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

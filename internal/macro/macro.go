// Package macro replaces the placeholders of character cards in the text of
// a prompt: {{char}} and {{user}}, their older spellings <BOT>, <CHAR> and
// <USER> (case-insensitive, as SillyTavern reads them), and {{original}} in
// a card's system_prompt and post_history_instructions.
//
// Expansion happens when a prompt or a context is built, never on stored
// text: a character may be renamed, and a user's persona differs per turn.
// The functions are pure.
package macro

import "strings"

// Names are what the macros stand for. Char is the character's name as the
// prompt shows it (a V3 card's nickname wins over its name); User is the
// user's persona name, or else their display name. An empty name leaves its
// macros as written, so that a caller that does not know the user yet can
// expand them later.
type Names struct {
	Char, User string
}

// tokens are the spellings of each macro, lower case.
var tokens = []struct {
	text   string
	isUser bool
}{
	{"{{char}}", false}, {"{{user}}", true}, {"<bot>", false}, {"<char>", false}, {"<user>", true},
}

// Expand replaces the {{char}} and {{user}} macros in s.
func (n Names) Expand(s string) string { return n.ExpandQuoted(s, nil) }

// ExpandQuoted is Expand with each name passed through quote first, when
// quote is not nil: regexp.QuoteMeta for a macro inside a regular
// expression, so that a name such as "C.J." matches only itself.
func (n Names) ExpandQuoted(s string, quote func(string) string) string {
	if (n.Char == "" && n.User == "") || !strings.ContainsAny(s, "{<") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '{' && s[i] != '<' {
			continue
		}
		for _, tok := range tokens {
			if len(s)-i < len(tok.text) || !strings.EqualFold(s[i:i+len(tok.text)], tok.text) {
				continue
			}
			name := n.Char
			if tok.isUser {
				name = n.User
			}
			if name == "" {
				break
			}
			if quote != nil {
				name = quote(name)
			}
			b.WriteString(s[last:i])
			b.WriteString(name)
			i += len(tok.text) - 1
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

// originalToken is the placeholder of a card's prompt overrides.
const originalToken = "{{original}}"

// Override is what a card's system_prompt or post_history_instructions
// makes of the default text: empty (or blank) keeps the default, otherwise
// the override replaces it, every {{original}} (any case) inserting the
// default.
func Override(override, original string) string {
	if strings.TrimSpace(override) == "" {
		return original
	}
	lower := strings.ToLower(override)
	if !strings.Contains(lower, originalToken) {
		return override
	}
	var b strings.Builder
	last := 0
	for {
		i := strings.Index(lower[last:], originalToken)
		if i < 0 {
			break
		}
		b.WriteString(override[last : last+i])
		b.WriteString(original)
		last += i + len(originalToken)
	}
	b.WriteString(override[last:])
	return b.String()
}

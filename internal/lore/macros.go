package lore

import "github.com/mojin/charsim/internal/macro"

// macros replaces {{char}} and {{user}} (and the older <BOT>, <CHAR> and
// <USER>), case-insensitively, in keys and content before they are matched,
// counted and returned. The stored entry is never changed: a character
// may be renamed, and a user's persona differs per turn.
type macros struct {
	names macro.Names
}

// apply replaces the macros in s. quote, when non-nil, escapes the names
// (regexp.QuoteMeta inside a pattern). A macro whose name is unknown (empty)
// is left as written.
func (m macros) apply(s string, quote func(string) string) string {
	return m.names.ExpandQuoted(s, quote)
}

package lore

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// A key is matched against one segment of scanned text at a time: one
// message, or the content of one activated entry. A key never matches
// across two segments, as SillyTavern's \x01 separators ensure too.
type segment struct {
	text   string
	folded string // strings.ToLower(text), made on first use
	hasFld bool
	// Byte-pair sets of text and folded, made on first use: most keys are
	// absent from most messages, and a missing pair proves it faster than
	// a substring search.
	pairs, foldedPairs *pairSet

	message int       // index in Input.Messages, or -1
	entry   *EntryRef // the activated entry whose content this is, or nil
}

func (s *segment) lower() string {
	if !s.hasFld {
		s.folded = strings.ToLower(s.text)
		s.hasFld = true
	}
	return s.folded
}

func (s *segment) pairSet(folded bool) *pairSet {
	if folded {
		if s.foldedPairs == nil {
			s.foldedPairs = newPairSet(s.lower())
		}
		return s.foldedPairs
	}
	if s.pairs == nil {
		s.pairs = newPairSet(s.text)
	}
	return s.pairs
}

// pairSet is a Bloom-like set of the adjacent byte pairs of a text. It may
// say a pair is present when it is not, never the reverse, so it can only
// rule a key out.
type pairSet [pairSetBits / 64]uint64

const pairSetBits = 4096

func pairHash(a, b byte) uint16 { return (uint16(a)*131 + uint16(b)) % pairSetBits }

func newPairSet(text string) *pairSet {
	var p pairSet
	for i := 0; i+1 < len(text); i++ {
		h := pairHash(text[i], text[i+1])
		p[h/64] |= 1 << (h % 64)
	}
	return &p
}

func (p *pairSet) hasAll(hashes []uint16) bool {
	for _, h := range hashes {
		if p[h/64]&(1<<(h%64)) == 0 {
			return false
		}
	}
	return true
}

func pairHashes(needle string) []uint16 {
	if len(needle) < 2 {
		return nil
	}
	out := make([]uint16, 0, len(needle)-1)
	for i := 0; i+1 < len(needle); i++ {
		out = append(out, pairHash(needle[i], needle[i+1]))
	}
	return out
}

// keyMatcher is one compiled key.
type keyMatcher struct {
	key   string         // the key as written, macros replaced
	re    *regexp.Regexp // non-nil for a regex key
	plain string         // the needle of a plain key, lowered unless case-sensitive
	pairs []uint16       // pairHashes(plain)
	fold  bool
	whole bool
}

func (k *keyMatcher) match(s *segment) bool {
	if k.re != nil {
		return k.re.MatchString(s.text)
	}
	if len(k.pairs) > 0 && !s.pairSet(k.fold).hasAll(k.pairs) {
		return false
	}
	hay := s.text
	if k.fold {
		hay = s.lower()
	}
	if !k.whole {
		return strings.Contains(hay, k.plain)
	}
	return containsWholeWord(hay, k.plain)
}

// compileKeys turns written keys into matchers. Empty keys (also after the
// macros) are dropped: they would match everything. The first key that
// does not compile is returned as an error.
func compileKeys(keys []string, e *Entry, m macros) ([]keyMatcher, error) {
	out := make([]keyMatcher, 0, len(keys))
	for _, raw := range keys {
		k, ok, err := compileKey(raw, e, m)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, k)
		}
	}
	return out, nil
}

// KeyError is a key that could not be compiled.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return fmt.Sprintf("key %q: %v", e.Key, e.Err) }
func (e *KeyError) Unwrap() error { return e.Err }

func compileKey(raw string, e *Entry, m macros) (keyMatcher, bool, error) {
	key := strings.TrimSpace(raw)
	if key == "" {
		return keyMatcher{}, false, nil
	}
	if pattern, flags, ok := parseSlashRegex(key); ok {
		// Names are matched literally inside a pattern: a name like
		// "Dr. Who" must not turn into a wildcard.
		pattern = m.apply(pattern, regexp.QuoteMeta)
		re, err := compileRegex(goFlags(flags) + pattern)
		if err != nil {
			return keyMatcher{}, false, &KeyError{Key: raw, Err: err}
		}
		return keyMatcher{key: key, re: re}, true, nil
	}
	if e.UseRegex {
		pattern := m.apply(key, regexp.QuoteMeta)
		if !e.CaseSensitive {
			pattern = "(?i)" + pattern
		}
		re, err := compileRegex(pattern)
		if err != nil {
			return keyMatcher{}, false, &KeyError{Key: raw, Err: err}
		}
		return keyMatcher{key: key, re: re}, true, nil
	}
	key = strings.TrimSpace(m.apply(key, nil))
	if key == "" {
		return keyMatcher{}, false, nil
	}
	k := keyMatcher{key: key, plain: key, fold: !e.CaseSensitive, whole: e.WholeWords}
	if k.fold {
		k.plain = strings.ToLower(key)
	}
	k.pairs = pairHashes(k.plain)
	return k, true, nil
}

// parseSlashRegex recognises SillyTavern's /pattern/flags keys. Like
// SillyTavern, a key with an unescaped slash inside is plain text (so
// "/home/user/" stays a path), and so is one with unknown flags.
func parseSlashRegex(key string) (pattern, flags string, ok bool) {
	if len(key) < 3 || key[0] != '/' {
		return "", "", false
	}
	end := strings.LastIndexByte(key, '/')
	if end <= 1 {
		return "", "", false
	}
	flags = key[end+1:]
	for _, f := range flags {
		if !strings.ContainsRune("gimsuyvd", f) {
			return "", "", false
		}
	}
	pattern = key[1:end]
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++ // skip the escaped byte, which may be a slash
		case '/':
			return "", "", false
		}
	}
	return pattern, flags, true
}

// goFlags maps JavaScript flags to RE2 ones. g and y only matter to
// repeated exec calls, u is always on in Go, d and v have no RE2 meaning.
func goFlags(js string) string {
	var b strings.Builder
	for _, f := range "ims" {
		if strings.ContainsRune(js, f) {
			b.WriteRune(f)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "(?" + b.String() + ")"
}

// The regex cache makes a key compiled once however often Activate runs:
// the books of a simulation are the same turn after turn. It is bounded,
// and simply starts over when full, because keys are few and stable.
var regexCache = struct {
	sync.Mutex
	m map[string]regexResult
}{m: map[string]regexResult{}}

type regexResult struct {
	re  *regexp.Regexp
	err error
}

const regexCacheSize = 4096

func compileRegex(pattern string) (*regexp.Regexp, error) {
	regexCache.Lock()
	r, ok := regexCache.m[pattern]
	regexCache.Unlock()
	if ok {
		return r.re, r.err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		err = unsupportedHint(pattern, err)
	}
	regexCache.Lock()
	if len(regexCache.m) >= regexCacheSize {
		regexCache.m = map[string]regexResult{}
	}
	regexCache.m[pattern] = regexResult{re, err}
	regexCache.Unlock()
	return re, err
}

// unsupportedHint says why a JavaScript regex that works in SillyTavern
// fails here: Go's regexp is RE2, without lookaround or backreferences.
func unsupportedHint(pattern string, err error) error {
	for _, js := range []string{"(?=", "(?!", "(?<=", "(?<!"} {
		if strings.Contains(pattern, js) {
			return fmt.Errorf("%w (lookahead and lookbehind are JavaScript features that RE2 does not support)", err)
		}
	}
	if strings.Contains(err.Error(), "escape sequence") {
		return fmt.Errorf("%w (backreferences and some JavaScript escapes are not supported by RE2)", err)
	}
	return err
}

// containsWholeWord reports whether needle occurs in hay with a word
// boundary on both sides. See boundary for what counts as one.
func containsWholeWord(hay, needle string) bool {
	if needle == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(needle)
	last, _ := utf8.DecodeLastRuneInString(needle)
	for from := 0; from <= len(hay)-len(needle); {
		i := strings.Index(hay[from:], needle)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(needle)
		before, _ := utf8.DecodeLastRuneInString(hay[:i])
		after, _ := utf8.DecodeRuneInString(hay[end:])
		if boundary(before, i > 0, first) && boundary(after, end < len(hay), last) {
			return true
		}
		_, size := utf8.DecodeRuneInString(hay[i:])
		from = i + size
	}
	return false
}

// boundary reports whether a match edge is a word boundary: the key's edge
// rune is keyEdge, the text's rune on the other side is neighbour (absent
// at the start or end of the text).
//
// It is one unless both runes are word runes (letters, marks, digits,
// underscore) of scripts written with spaces. Scripts written without
// spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar,
// …) put a boundary beside every one of their characters, so a CJK key
// matches inside unspaced CJK text, and "king" matches in "kingです".
// Hangul is counted with them because Korean attaches particles to nouns
// ("서울에서"), which a strict rule would never match.
func boundary(neighbour rune, present bool, keyEdge rune) bool {
	if !present {
		return true
	}
	if !isWordRune(neighbour) || !isWordRune(keyEdge) {
		return true
	}
	return isUnspacedScript(neighbour) || isUnspacedScript(keyEdge)
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

var unspacedScripts = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan, unicode.Yi,
}

func isUnspacedScript(r rune) bool {
	if r < 0x2E80 && (r < 0x0E00 || r > 0x1AFF) {
		return false // fast path: Latin, Cyrillic, Greek, Arabic, …
	}
	// The katakana-hiragana prolonged sound mark is script Common.
	return r == 'ー' || unicode.IsOneOf(unspacedScripts, r)
}

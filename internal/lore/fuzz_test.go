package lore

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzActivate checks that Activate never panics, whatever the keys and
// text, and that its Result keeps its invariants.
func FuzzActivate(f *testing.F) {
	f.Add("dragon", "fire", "a dragon breathes fire", uint8(0))
	f.Add("/(?<=x)y/", "", "xy", uint8(1))
	f.Add("/a(b/i", "/[/", "ab", uint8(2))
	f.Add("東京", "タワー", "私は東京タワーに", uint8(3))
	f.Add("{{char}}", "<USER>", "{{char}} and {{user}}", uint8(4))
	f.Add("/x{1000}{1000}/", "", "xxx", uint8(5))
	f.Add("\xff\xfe", "\x00", "\xff\xfe\x00", uint8(6))
	f.Fuzz(func(t *testing.T, key, secondary, text string, mode uint8) {
		var entries []Entry
		for i := 0; i < 8; i++ {
			m := mode + uint8(i)
			e := Entry{
				ID:             string(rune('a' + i)),
				Keys:           []string{key, strings.ToUpper(key)},
				SecondaryKeys:  []string{secondary},
				Selective:      m&1 != 0,
				Logic:          Logic(m % 4),
				UseRegex:       m&2 != 0,
				CaseSensitive:  m&4 != 0,
				WholeWords:     m&8 != 0,
				Constant:       i == 7,
				Enabled:        i != 6,
				Content:        text + " " + key + string(rune('a'+i)),
				InsertionOrder: i,
				Priority:       int(m % 3),
				Position:       Position(m % 9),
			}
			if m&16 != 0 {
				e.ScanDepth = intp(int(m % 5))
			}
			e.PreventRecursion = i == 2
			e.ExcludeRecursion = i == 3
			e.DelayUntilRecursion = i == 4
			entries = append(entries, e)
		}
		books := []Book{
			{Name: "w", Scope: ScopeWorld, RecursiveScanning: true, Entries: entries, TokenBudget: int(mode % 40)},
			{Name: "c", Scope: ScopeCharacter, RecursiveScanning: mode&1 == 0, MaxRecursionSteps: int(mode % 3), Entries: entries},
			{Name: "w", Scope: ScopeChannel, Entries: entries},
		}
		in := Input{
			Messages: []Message{{Name: key, Text: text}, {Text: secondary}, {Text: text + key}},
			Books:    books, TokenBudget: int(mode), CharName: secondary, UserName: key,
			IncludeNames: mode&32 != 0,
		}
		r := Activate(in)
		if in.TokenBudget > 0 && r.Tokens > in.TokenBudget {
			t.Fatalf("tokens %d over the budget %d", r.Tokens, in.TokenBudget)
		}
		seen := map[EntryRef]bool{}
		for _, a := range r.Activated {
			if seen[a.Ref] {
				t.Fatalf("%v activated twice", a.Ref)
			}
			seen[a.Ref] = true
			if !a.Entry.Enabled {
				t.Fatalf("disabled %v activated", a.Ref)
			}
		}
		for _, d := range r.Dropped {
			if seen[d.Ref] {
				t.Fatalf("%v both kept and dropped, or dropped twice", d.Ref)
			}
			seen[d.Ref] = true
		}
		_ = r.Groups()
	})
}

// FuzzWholeWord checks containsWholeWord against a slow reference that
// tries every byte offset.
func FuzzWholeWord(f *testing.F) {
	for _, s := range [][2]string{{"long live the king", "king"}, {"liking", "king"}, {"私は東京に", "東京"}, {"aaa", "aa"}, {"\xffk\xff", "k"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, hay, needle string) {
		want := false
		if needle != "" {
			first, _ := utf8.DecodeRuneInString(needle)
			last, _ := utf8.DecodeLastRuneInString(needle)
			for i := 0; i+len(needle) <= len(hay); i++ {
				if hay[i:i+len(needle)] != needle {
					continue
				}
				before, _ := utf8.DecodeLastRuneInString(hay[:i])
				after, _ := utf8.DecodeRuneInString(hay[i+len(needle):])
				if boundary(before, i > 0, first) && boundary(after, i+len(needle) < len(hay), last) {
					want = true
					break
				}
			}
		}
		if got := containsWholeWord(hay, needle); got != want {
			t.Fatalf("containsWholeWord(%q, %q) = %v, want %v", hay, needle, got, want)
		}
		// The byte-pair prefilter never hides a match.
		for _, fold := range []bool{false, true} {
			e := Entry{CaseSensitive: !fold}
			k, ok, err := compileKey(needle, &e, macros{})
			if err != nil || !ok || k.re != nil {
				continue
			}
			hayNorm := hay
			if fold {
				hayNorm = strings.ToLower(hay)
			}
			if got, want := k.match(&segment{text: hay}), strings.Contains(hayNorm, k.plain); got != want {
				t.Fatalf("match(%q in %q, fold %v) = %v, want %v", needle, hay, fold, got, want)
			}
		}
	})
}

package macro

import (
	"regexp"
	"testing"
)

func TestExpand(t *testing.T) {
	aria := Names{Char: "Aria", User: "Sam"}
	for _, tc := range []struct {
		name  string
		names Names
		in    string
		want  string
	}{
		{"char and user", aria, "{{char}} greets {{user}}.", "Aria greets Sam."},
		{"any case", aria, "{{CHAR}} and {{User}} and {{cHaR}}", "Aria and Sam and Aria"},
		{"old spellings", aria, "<BOT> waves at <USER>; <char> <bot> <user>", "Aria waves at Sam; Aria Aria Sam"},
		{"repeated and adjacent", aria, "{{char}}{{char}}{{user}}", "AriaAriaSam"},
		{"no macros", aria, "plain text with { and < signs", "plain text with { and < signs"},
		{"unknown macros stay", aria, "{{random}} {{original}} <b>bold</b>", "{{random}} {{original}} <b>bold</b>"},
		{"unfinished macro", aria, "{{char} {{user", "{{char} {{user"},
		{"empty user stays as written", Names{Char: "Aria"}, "{{char}} meets {{user}} and <USER>", "Aria meets {{user}} and <USER>"},
		{"no names", Names{}, "{{char}} {{user}}", "{{char}} {{user}}"},
		{"a name that is itself a macro is not expanded again", Names{Char: "{{user}}", User: "Sam"}, "{{char}}", "{{user}}"},
		{"unicode around", Names{Char: "アリア", User: "Sam"}, "「{{char}}」は{{user}}に", "「アリア」はSamに"},
		{"at the end", aria, "hello <bot>", "hello Aria"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.names.Expand(tc.in); got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestExpandQuoted(t *testing.T) {
	n := Names{Char: "C.J.", User: "a+b"}
	got := n.ExpandQuoted(`^{{char}} and <user>$`, regexp.QuoteMeta)
	if want := `^C\.J\. and a\+b$`; got != want {
		t.Fatalf("ExpandQuoted = %q, want %q", got, want)
	}
	re := regexp.MustCompile(got)
	if !re.MatchString("C.J. and a+b") || re.MatchString("CxJx and aab") {
		t.Errorf("quoted names do not match only themselves: %s", re)
	}
}

func TestOverride(t *testing.T) {
	const def = "You are Aria."
	for _, tc := range []struct {
		name, override, want string
	}{
		{"empty keeps the default", "", def},
		{"blank keeps the default", " \n\t", def},
		{"replaces", "Write as a narrator.", "Write as a narrator."},
		{"original inserts the default", "{{original}} Stay terse.", "You are Aria. Stay terse."},
		{"original in any case, twice", "A {{ORIGINAL}} B {{Original}}", "A You are Aria. B You are Aria."},
		{"other macros are left for Expand", "{{original}} Talk to {{user}}.", "You are Aria. Talk to {{user}}."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Override(tc.override, def); got != tc.want {
				t.Errorf("Override(%q) = %q, want %q", tc.override, got, tc.want)
			}
		})
	}
}

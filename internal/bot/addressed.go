package bot

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// addressed picks who answers a message in a scene: every character the
// message names (by name or nickname, in any letter case, as a whole word,
// "@Aria" too), in the order they are first named; else the character whose
// message it replies to (replyTo, a name; "" when none); else the lead.
func addressed(text string, sc scene, replyTo string) []activeCharacter {
	type hit struct {
		at int
		c  activeCharacter
	}
	var hits []hit
	for _, c := range sc.Cast {
		at := -1
		for _, name := range []string{c.Name, c.Nickname} {
			if i := wordIndex(text, name); i >= 0 && (at < 0 || i < at) {
				at = i
			}
		}
		if at >= 0 {
			hits = append(hits, hit{at, c})
		}
	}
	if len(hits) > 0 {
		slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.at, b.at) })
		out := make([]activeCharacter, len(hits))
		for i, h := range hits {
			out[i] = h.c
		}
		return out
	}
	if replyTo != "" {
		for _, c := range sc.Cast {
			if c.Name == replyTo || webhookUsername(c.Name) == replyTo {
				return []activeCharacter{c}
			}
		}
	}
	return []activeCharacter{sc.lead()}
}

// wordIndex is where name first occurs in text as a whole word, in any
// letter case, or -1: "Aria" in "aria, hi" and "@Aria" but not in "Ariadne".
func wordIndex(text, name string) int {
	name = strings.TrimSpace(name)
	if name == "" {
		return -1
	}
	re, err := regexp.Compile(`(?i)(?:^|[^\p{L}\p{N}_])(` + regexp.QuoteMeta(name) + `)(?:$|[^\p{L}\p{N}_])`)
	if err != nil {
		return -1 // a quoted name always compiles
	}
	m := re.FindStringSubmatchIndex(text)
	if m == nil {
		return -1
	}
	return m[2]
}

package bot

import (
	"strings"
	"testing"
)

func TestSplitMessage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "Hello there.", 20, []string{"Hello there."}},
		{"empty", "   ", 20, nil},
		{"paragraph", "First para is here.\n\nSecond para.", 25, []string{"First para is here.", "Second para."}},
		{"sentence", "One sentence here. Two sentence here. Three.", 30, []string{"One sentence here.", "Two sentence here. Three."}},
		{"early paragraph loses to a later sentence", "Hi.\n\nThis is long. And more words", 24, []string{"Hi.\n\nThis is long.", "And more words"}},
		{"space", "alpha beta gamma delta epsilon", 12, []string{"alpha beta", "gamma delta", "epsilon"}},
		{"no boundary", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"emoji count twice", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"runes stay whole", "ééééé", 2, []string{"éé", "éé", "é"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := splitMessage(tc.text, tc.limit)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("splitMessage(%q, %d) = %q, want %q", tc.text, tc.limit, got, tc.want)
			}
			for _, chunk := range got {
				if utf16Len(chunk) > tc.limit {
					t.Errorf("chunk %q is longer than %d", chunk, tc.limit)
				}
			}
		})
	}
}

func TestSplitMessageKeepsEverything(t *testing.T) {
	text := strings.Repeat("Sentence number one is here! Is it? Yes.\n", 200) + strings.Repeat("x", 4500)
	chunks := splitMessage(text, discordMessageLimit)
	for _, c := range chunks {
		if utf16Len(c) > discordMessageLimit {
			t.Fatalf("chunk of %d", utf16Len(c))
		}
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if squash(strings.Join(chunks, "")) != squash(text) {
		t.Error("splitting lost or changed text")
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("hello world", 20); got != "hello world" {
		t.Errorf("short text changed: %q", got)
	}
	if got := truncate("hello world", 6); got != "hello…" {
		t.Errorf("truncate = %q", got)
	}
}

func TestEscapeMentions(t *testing.T) {
	got := escapeMentions("@everyone @here <@123> <@!456> <@&789> mail@example.com <#42>")
	want := "@\u200beveryone @\u200bhere <@\u200b123> <@\u200b!456> <@\u200b&789> mail@example.com <#42>"
	if got != want {
		t.Errorf("escapeMentions = %q, want %q", got, want)
	}
	if m := noMentions(); m.Parse == nil || len(m.Parse) != 0 || m.RepliedUser {
		t.Errorf("allowed mentions %+v, want an empty parse list", m)
	}
}

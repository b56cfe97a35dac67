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
		{"ZWJ emoji stay whole", "abcde👨\u200d👩\u200d👧xyz", 9, []string{"abcde", "👨\u200d👩\u200d👧x", "yz"}},
		{"flags stay whole", "ab🇯🇵🇫🇷", 8, []string{"ab🇯🇵", "🇫🇷"}},
		{"skin tones and keycaps stay whole", "abc👍🏽1\ufe0f\u20e3", 5, []string{"abc", "👍🏽", "1\ufe0f\u20e3"}},
		{"a cluster longer than the limit is cut", "👨\u200d👩\u200d👧", 4, []string{"👨\u200d", "👩\u200d", "👧"}},
		{"CJK sentence ends", "これは一文目です。これは二文目です。", 12, []string{"これは一文目です。", "これは二文目です。"}},
		{"CJK ends with a closing quote", "彼は「行く！」と言った。そして", 10, []string{"彼は「行く！」", "と言った。そして"}},
		{"fullwidth question mark", "本当ですか？はいそうです", 8, []string{"本当ですか？", "はいそうです"}},
		{"italic span closed and reopened", "Say *hello there friend* now ok", 20, []string{"Say *hello there*", "*friend* now ok"}},
		{"bold span closed and reopened", "Go **very far away from** here", 18, []string{"Go **very far**", "**away from** here"}},
		{"a bullet is no span", "* one two three four five", 15, []string{"* one two", "three four five"}},
		{"code block closed and reopened", "Code:\n```go\nfmt.Println(1)\nfmt.Println(2)\n```", 36,
			[]string{"Code:\n```go\nfmt.Println(1)\n```", "```go\nfmt.Println(2)\n```"}},
		{"markers in code are no span", "`a*b` c d e f g h", 10, []string{"`a*b` c d", "e f g h"}},
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

// TestSplitMessageKeepsSpansBalanced: role-play text full of *actions*,
// **bold** and code, cut anywhere, gives messages within the limit whose
// spans are all closed.
func TestSplitMessageKeepsSpansBalanced(t *testing.T) {
	text := strings.Repeat("*walks to the old door and knocks* **Hello?** Is `anyone` there? 👨‍👩‍👧 ", 80) +
		"```\n" + strings.Repeat("log line\n", 300) + "```"
	for _, limit := range []int{discordMessageLimit, 333, 97} {
		for _, chunk := range splitMessage(text, limit) {
			if n := utf16Len(chunk); n > limit {
				t.Fatalf("limit %d: chunk of %d", limit, n)
			}
			if closing, _ := openSpans(chunk); closing != "" {
				t.Fatalf("limit %d: chunk %q leaves %q open", limit, chunk, closing)
			}
			if strings.HasPrefix(chunk, "\u200d") || strings.HasSuffix(chunk, "\u200d") {
				t.Fatalf("limit %d: chunk %q cuts an emoji", limit, chunk)
			}
		}
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

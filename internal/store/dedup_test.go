package store

import "testing"

func TestNormalizeMemoryText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Mia is a pilot.", "mia is a pilot"},
		{"  Mia   is\ta\npilot  ", "mia is a pilot"},
		{"MIA IS A PILOT!!!", "mia is a pilot"},
		{"Really?! ", "really"},
		{"Wait . . .", "wait"},
		{"Well…", "well"},
		{"Mid-sentence, punctuation. Stays.", "mid-sentence, punctuation. stays"},
		{"黛玉在潇湘馆读书。", "黛玉在潇湘馆读书"},
		{"你好！", "你好"},
		{"ＦＵＬＬ　ｗｉｄｔｈ？", "full width"}, // NFKC folds full-width letters, the ideographic space and ？
		{"ﬁne", "fine"},               // the ligature
		{"Cafe\u0301", "café"},        // composed by NFKC
		{"Ａ\u00a0b", "a b"},           // no-break space is whitespace
		{"...", ""},
		{"", ""},
		{"(quoted)", "(quoted)"},
	} {
		if got := normalizeMemoryText(tc.in); got != tc.want {
			t.Errorf("normalizeMemoryText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDedupKey(t *testing.T) {
	base := dedupKey("u1", KindEpisodic, "Mia is a pilot.")
	if len(base) != 64 {
		t.Fatalf("key %q is not hex SHA-256", base)
	}
	if got := dedupKey("u1", KindEpisodic, "  mia IS a pilot"); got != base {
		t.Errorf("the same text after normalisation has another key")
	}
	for name, other := range map[string]string{
		"user":    dedupKey("u2", KindEpisodic, "Mia is a pilot."),
		"no user": dedupKey("", KindEpisodic, "Mia is a pilot."),
		"kind":    dedupKey("u1", KindSemantic, "Mia is a pilot."),
		"text":    dedupKey("u1", KindEpisodic, "Mia is a sailor."),
	} {
		if other == base {
			t.Errorf("a different %s gives the same key", name)
		}
	}
}

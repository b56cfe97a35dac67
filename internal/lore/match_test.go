package lore

import "testing"

func TestKeyModes(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		text  string
		want  bool
	}{
		{"plain substring", Entry{Keys: []string{"king"}}, "it's not to my liking", true},
		{"plain case-insensitive", Entry{Keys: []string{"Dragon"}}, "a DRAGON appears", true},
		{"plain non-ASCII case-insensitive", Entry{Keys: []string{"ÉLAN"}}, "with élan", true},
		{"case-sensitive miss", Entry{Keys: []string{"Rose"}, CaseSensitive: true}, "a rose blooms", false},
		{"case-sensitive hit", Entry{Keys: []string{"Rose"}, CaseSensitive: true}, "Rose speaks", true},
		{"whole word hit", Entry{Keys: []string{"king"}, WholeWords: true}, "long live the king!", true},
		{"whole word miss inside word", Entry{Keys: []string{"king"}, WholeWords: true}, "it's not to my liking", false},
		{"whole word later occurrence", Entry{Keys: []string{"king"}, WholeWords: true}, "liking the king", true},
		{"whole word underscore is a word rune", Entry{Keys: []string{"king"}, WholeWords: true}, "the_king_", false},
		{"whole word digits are word runes", Entry{Keys: []string{"v2"}, WholeWords: true}, "v23", false},
		{"whole word key edge punctuation", Entry{Keys: []string{"C++"}, WholeWords: true}, "I write C++code", true},
		{"whole word multi-word key", Entry{Keys: []string{"the king"}, WholeWords: true}, "the kingdom", false},
		{"whole word multi-word key hit", Entry{Keys: []string{"the king"}, WholeWords: true}, "hail the king.", true},
		{"whole word Cyrillic", Entry{Keys: []string{"кот"}, WholeWords: true}, "котёнок", false},
		{"whole word Cyrillic hit", Entry{Keys: []string{"кот"}, WholeWords: true}, "Это кот.", true},
		{"CJK key in unspaced text", Entry{Keys: []string{"東京"}, WholeWords: true}, "私は東京に行った", true},
		{"CJK key, substring mode", Entry{Keys: []string{"東京"}}, "私は東京に行った", true},
		{"kana key in unspaced text", Entry{Keys: []string{"ラーメン"}, WholeWords: true}, "今日はラーメンを食べた", true},
		{"Thai key in unspaced text", Entry{Keys: []string{"แมว"}, WholeWords: true}, "ฉันรักแมวมาก", true},
		{"Korean key with particle", Entry{Keys: []string{"서울"}, WholeWords: true}, "서울에서 만나요", true},
		{"Latin key beside CJK", Entry{Keys: []string{"king"}, WholeWords: true}, "kingです", true},
		{"CJK miss", Entry{Keys: []string{"大阪"}, WholeWords: true}, "私は東京に行った", false},
		{"regex slash form", Entry{Keys: []string{`/dragon(s)?\b/`}}, "two dragons", true},
		{"regex is case-sensitive without i", Entry{Keys: []string{`/dragon/`}}, "DRAGON", false},
		{"regex i flag", Entry{Keys: []string{`/dragon/i`}}, "DRAGON", true},
		{"regex ignores CaseSensitive", Entry{Keys: []string{`/dragon/i`}, CaseSensitive: true}, "DRAGON", true},
		{"regex s flag", Entry{Keys: []string{`/a.b/s`}}, "a\nb", true},
		{"regex without s", Entry{Keys: []string{`/a.b/`}}, "a\nb", false},
		{"regex m flag", Entry{Keys: []string{`/^b$/m`}}, "a\nb\nc", true},
		{"regex g flag is harmless", Entry{Keys: []string{`/b/gi`}}, "ABC", true},
		{"regex escaped slash", Entry{Keys: []string{`/and\/or/`}}, "and/or", true},
		{"unescaped inner slash is plain text", Entry{Keys: []string{"/home/user/"}}, "cd /home/user/", true},
		{"unknown flags are plain text", Entry{Keys: []string{"/ab/q"}}, "x /ab/q y", true},
		{"use_regex bare pattern", Entry{Keys: []string{`colou?r`}, UseRegex: true}, "COLOR", true},
		{"use_regex bare pattern case-sensitive", Entry{Keys: []string{`colou?r`}, UseRegex: true, CaseSensitive: true}, "COLOR", false},
		{"use_regex with slashes", Entry{Keys: []string{`/^hi/`}, UseRegex: true}, "hi there", true},
		{"empty key never matches", Entry{Keys: []string{"", "  "}}, "anything", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.entry
			e.ID, e.Content, e.Enabled = "e", "content", true
			r := Activate(Input{Messages: msgs(tt.text), Books: []Book{book(e)}})
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %v", r.Errors)
			}
			if got := len(r.Activated) == 1; got != tt.want {
				t.Errorf("activated = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeyNeverMatchesAcrossMessages(t *testing.T) {
	e := on("e", "red dragon")
	r := Activate(Input{Messages: msgs("a red", "dragon"), Books: []Book{book(e)}})
	checkIDs(t, "activated", activatedIDs(r), "")
}

func TestMacrosInKeysAndContent(t *testing.T) {
	e := on("e", "{{char}}'s sword", "/<user>\\s+bows/i")
	e.Content = "{{Char}} carries it for {{user}}."
	r := Activate(Input{
		Messages: msgs("I admire Dr. Who's sword"),
		Books:    []Book{book(e)}, CharName: "Dr. Who", UserName: "Ann",
	})
	if len(r.Activated) != 1 {
		t.Fatalf("activated %d, want 1 (%v)", len(r.Activated), r.Errors)
	}
	a := r.Activated[0]
	if a.Content != "Dr. Who carries it for Ann." || a.Trigger.Key != "Dr. Who's sword" {
		t.Errorf("content %q key %q", a.Content, a.Trigger.Key)
	}
	if e.Content != "{{Char}} carries it for {{user}}." {
		t.Errorf("entry modified")
	}
	// The name is quoted inside a pattern: "Dr. Who" is not "Dr" + any rune.
	e2 := on("e2", "/{{char}}/")
	r = Activate(Input{Messages: msgs("DrX Who"), Books: []Book{book(e2)}, CharName: "Dr. Who"})
	checkIDs(t, "quoted name", activatedIDs(r), "")
	r = Activate(Input{Messages: msgs("Ann bows low"), Books: []Book{book(e)}, UserName: "Ann"})
	checkIDs(t, "user macro in regex", activatedIDs(r), "e")
}

func TestIncludeNames(t *testing.T) {
	e := on("e", "Mira:")
	in := Input{Messages: []Message{{Name: "Mira", Text: "hello"}}, Books: []Book{book(e)}}
	checkIDs(t, "without names", activatedIDs(Activate(in)), "")
	in.IncludeNames = true
	checkIDs(t, "with names", activatedIDs(Activate(in)), "e")
}

func TestInvalidRegexReported(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
	}{
		{"lookbehind", Entry{Keys: []string{`/(?<=sir )lancelot/i`}}},
		{"lookahead", Entry{Keys: []string{`/lance(?!lot)/`}}},
		{"backreference", Entry{Keys: []string{`/(a)\1/`}}},
		{"unbalanced", Entry{Keys: []string{`(unclosed`}, UseRegex: true}},
		{"bad secondary", Entry{Keys: []string{"x"}, SecondaryKeys: []string{`/[z-a]/`}, Selective: true}},
		{"constant with a bad key", Entry{Keys: []string{`/(?=x)/`}, Constant: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := tt.entry
			bad.ID, bad.Content, bad.Enabled = "bad", "bad content", true
			good := on("good", "lancelot")
			r := Activate(Input{Messages: msgs("sir lancelot x aa"), Books: []Book{book(bad, good)}})
			checkIDs(t, "activated", activatedIDs(r), "good")
			if len(r.Errors) != 1 || r.Errors[0].Ref.ID != "bad" {
				t.Fatalf("errors = %v, want one for bad", r.Errors)
			}
			t.Log(r.Errors[0].Error())
		})
	}
}

func TestBoundaryTable(t *testing.T) {
	tests := []struct {
		hay, needle string
		want        bool
	}{
		{"king", "king", true},
		{"kings", "king", false},
		{"(king)", "king", true},
		{"東京タワー", "東京", true},
		{"ab東京", "東京", true},
		{"", "x", false},
		{"x", "", false},
	}
	for _, tt := range tests {
		if got := containsWholeWord(tt.hay, tt.needle); got != tt.want {
			t.Errorf("containsWholeWord(%q, %q) = %v, want %v", tt.hay, tt.needle, got, tt.want)
		}
	}
}

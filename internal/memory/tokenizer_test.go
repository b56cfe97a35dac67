package memory_test

import (
	"slices"
	"testing"

	"github.com/mojin/charsim/internal/memory"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"english drops stopwords and folds case", "The Dragon sleeps under THE mountain.", []string{"dragon", "sleep", "under", "mountain"}},
		{"english words are stemmed", "Mia walked the dogs; walking dogs relaxes her", []string{"mia", "walk", "dog", "walk", "dog", "relax"}},
		{"only stopwords are kept rather than nothing", "Who was it?", []string{"who", "was", "it"}},
		{"numbers are words", "Room 42, floor 7", []string{"room", "42", "floor", "7"}},
		{"accents fold", "Café crème à Zürich, Ωμέγα", []string{"cafe", "creme", "zurich", "ωμεγα"}},
		{"combining accents fold", "cafe\u0301", []string{"cafe"}},
		{"full-width forms fold", "ＡＢＣ１２３", []string{"abc123"}},
		{"chinese becomes unigrams and bigrams", "谁住在潇湘馆？", []string{"谁", "谁住", "住", "住在", "在潇", "潇", "潇湘", "湘", "湘馆", "馆"}},
		{"chinese function characters drop as unigrams only", "黛玉的书", []string{"黛", "黛玉", "玉", "玉的", "的书", "书"}},
		{"japanese kana and kanji", "東京へ行く", []string{"東", "東京", "京", "京へ", "へ", "へ行", "行", "行く", "く"}},
		{"korean syllables pair within a word", "서울 여행", []string{"서", "서울", "울", "여", "여행", "행"}},
		{"mixed scripts", "Lin Daiyu读书 in 2024", []string{"lin", "daiyu", "读", "读书", "书", "2024"}},
		{"emoji are tokens", "Happy birthday 🎂!", []string{"happi", "birthday", "🎂"}},
		{"devanagari keeps its marks", "नमस्ते दुनिया", []string{"नमस्ते", "दुनिया"}},
		{"russian folds case", "Москва ЗИМОЙ", []string{"москва", "зимои"}},
		{"empty", "  ... ", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := memory.Terms(tc.text)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Terms(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestTokenKinds(t *testing.T) {
	got := memory.Tokenize("读书 ok 🎂")
	want := []memory.Token{
		{Text: "读", Kind: memory.TokenCJK}, {Text: "读书", Kind: memory.TokenBigram}, {Text: "书", Kind: memory.TokenCJK},
		{Text: "ok", Kind: memory.TokenWord}, {Text: "🎂", Kind: memory.TokenSymbol},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Tokenize = %v, want %v", got, want)
	}
}

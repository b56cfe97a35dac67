package lore

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchInput is 500 entries of mixed kinds over 20 messages.
func benchInput() Input {
	rng := rand.New(rand.NewPCG(1, 2))
	// Words of 3 to 9 random letters, so that byte pairs spread as in
	// prose rather than repeating like numbered names would.
	vocab := make([]string, 2000)
	for i := range vocab {
		w := make([]byte, 3+rng.IntN(7))
		for j := range w {
			w[j] = byte('a' + rng.IntN(26))
		}
		vocab[i] = string(w)
	}
	sentence := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(parts, " ")
	}
	var entries []Entry
	for i := 0; i < 500; i++ {
		e := Entry{
			ID:             fmt.Sprint(i),
			Keys:           []string{vocab[rng.IntN(len(vocab))], vocab[rng.IntN(len(vocab))]},
			Content:        sentence(40),
			Enabled:        true,
			InsertionOrder: rng.IntN(100),
			Priority:       rng.IntN(5),
			Position:       Position(rng.IntN(8)),
			WholeWords:     i%2 == 0,
			CaseSensitive:  i%5 == 0,
		}
		switch i % 10 {
		case 3:
			e.Keys = append(e.Keys, fmt.Sprintf("/\\b%s\\w*/i", vocab[rng.IntN(len(vocab))][:3]))
		case 5:
			e.SecondaryKeys, e.Selective, e.Logic = []string{vocab[rng.IntN(len(vocab))]}, true, Logic(rng.IntN(4))
		case 7:
			e.Keys = append(e.Keys, "東京"+fmt.Sprint(i))
		}
		entries = append(entries, e)
	}
	books := []Book{
		{Name: "world", Scope: ScopeWorld, RecursiveScanning: true, MaxRecursionSteps: 3, Entries: entries[:250], ScanDepth: intp(20)},
		{Name: "card", Scope: ScopeCharacter, RecursiveScanning: true, Entries: entries[250:], ScanDepth: intp(20), TokenBudget: 2000},
	}
	var messages []Message
	for i := 0; i < 20; i++ {
		messages = append(messages, Message{Name: "speaker", Text: sentence(60)})
	}
	return Input{Messages: messages, Books: books, TokenBudget: 4000, IncludeNames: true}
}

func BenchmarkActivate500Entries20Messages(b *testing.B) {
	in := benchInput()
	r := Activate(in)
	b.Logf("activated %d, dropped %d, steps %d, tokens %d, errors %d", len(r.Activated), len(r.Dropped), r.Steps, r.Tokens, len(r.Errors))
	b.ReportAllocs()
	for b.Loop() {
		Activate(in)
	}
}

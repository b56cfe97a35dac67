package lore

import "unicode"

// TokenCounter counts the tokens a text costs in the prompt. Callers with
// the model's tokenizer plug it in; the default is ApproxTokens.
type TokenCounter interface {
	CountTokens(text string) int
}

// TokenCounterFunc adapts a function to TokenCounter.
type TokenCounterFunc func(text string) int

func (f TokenCounterFunc) CountTokens(text string) int { return f(text) }

// ApproxTokens estimates tokens without a tokenizer: one per ideograph,
// kana or Hangul syllable (BPE vocabularies spend about one to two on
// each), plus one per four other non-space characters, rounded up, which
// is the usual rule of thumb for English with GPT-style tokenizers. It
// errs on the high side for English, so a budget is not overrun when the
// real tokenizer differs.
var ApproxTokens TokenCounter = TokenCounterFunc(approxTokens)

func approxTokens(text string) int {
	cjk, other := 0, 0
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
		case isUnspacedScript(r):
			cjk++
		default:
			other++
		}
	}
	return cjk + (other+3)/4
}

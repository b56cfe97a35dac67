package turn

import (
	"fmt"
	"regexp"
	"strings"
)

// Fact is a fact worth remembering from a user's message, as a memory.
type Fact struct {
	Text       string
	Kind       string
	Importance int
}

// The salience heuristic: a character remembers what a user tells about
// themselves, what they ask it to remember, and what they promise. Those
// are the statements a later conversation refers back to ("how is your
// sister?"); small talk and questions are not. Each pattern below gives an
// importance (1..10) that recall ranks by.
var salientPatterns = []struct {
	re         *regexp.Regexp
	kind       string
	importance int
}{
	// An explicit request outranks everything.
	{regexp.MustCompile(`(?i)\b(remember|don'?t forget|never forget)\b`), KindSemantic, 8},
	// Who the user is.
	{regexp.MustCompile(`(?i)\b(my name is|call me|i am called|my pronouns are)\b`), KindSemantic, 7},
	// Promises are events the character can hold the user to.
	{regexp.MustCompile(`(?i)\bi (promise|swear|vow)\b`), KindEpisodic, 7},
	// Tastes and feelings.
	{regexp.MustCompile(`(?i)\bi (really )?(love|hate|adore|prefer|fear|am afraid of|can'?t stand)\b`), KindSemantic, 6},
	// Facts about the user's life and the people in it.
	{regexp.MustCompile(`(?i)\b(my (\w+ ){1,3}(is|are|was|were|has|have)|i (live|work|study|grew up|was born)|i'?m (from|a|an)|i am (from|a|an)|i have (a|an|two|three|\d+))\b`), KindSemantic, 5},
}

// Limits of the heuristic.
const (
	maxFactsPerMessage = 3
	minFactLength      = 8
	maxFactLength      = 300
)

var sentenceEnd = regexp.MustCompile(`[.!?\n]+\s*`)

// salientFacts returns what the character should remember from a message
// by userName, as self-contained sentences naming the user.
func salientFacts(userName, message string) []Fact {
	var facts []Fact
	for _, sentence := range splitSentences(message) {
		if len(facts) == maxFactsPerMessage {
			break
		}
		if len(sentence) < minFactLength || len(sentence) > maxFactLength || strings.HasSuffix(sentence, "?") {
			continue
		}
		for _, p := range salientPatterns {
			if p.re.MatchString(sentence) {
				facts = append(facts, Fact{
					Text:       fmt.Sprintf("%s said: %q", userName, sentence),
					Kind:       p.kind,
					Importance: p.importance,
				})
				break
			}
		}
	}
	return facts
}

// splitSentences cuts text after sentence punctuation, keeping it.
func splitSentences(text string) []string {
	var out []string
	for len(text) > 0 {
		loc := sentenceEnd.FindStringIndex(text)
		end, next := len(text), len(text)
		if loc != nil {
			end, next = loc[1], loc[1]
		}
		if s := strings.TrimSpace(text[:end]); s != "" {
			out = append(out, s)
		}
		text = text[next:]
	}
	return out
}

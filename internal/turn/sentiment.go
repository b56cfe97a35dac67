package turn

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// The relationship heuristic: kindness warms a character to a user and
// hostility cools it, a little per message, so a relationship follows the
// tone of many turns rather than one outburst. Apologies and kept promises
// also build trust; accusations of lying and threats erode it. Cues are
// whole words or phrases, matched case-insensitively.
var (
	kindCues = regexp.MustCompile(`(?i)\b(thank you|thanks?|thx|appreciate it|you'?re (great|amazing|wonderful|the best|kind|sweet)|i like you|i love you|good job|well done|well said|sorry|apologi[sz]e|my friend|hugs?)\b`)
	// Cues that also build trust.
	trustCues   = regexp.MustCompile(`(?i)\b(sorry|apologi[sz]e|i promise|i kept my promise|trust you|you can count on me)\b`)
	hostileCues = regexp.MustCompile(`(?i)\b(shut up|i hate you|stupid|idiot|dumb|useless|pathetic|annoying|go away|get lost|loser|moron)\b`)
	// Cues that also erode trust.
	distrustCues = regexp.MustCompile(`(?i)\b(liar|you lied|you'?re lying|i don'?t trust you|i'?ll hurt you|i will hurt you|betray(ed)?)\b`)
)

// Steps of the heuristic. Hostility weighs more than kindness: one insult
// undoes two thanks.
const (
	kindStep     = 0.05
	hostileStep  = 0.1
	trustStep    = 0.05
	distrustStep = 0.1
	maxCuesCount = 3
)

// Shift is how one message changes how the character feels about its author.
type Shift struct {
	Affinity, Trust float64
	Reason          string
}

// IsZero reports whether the message changes nothing.
func (s Shift) IsZero() bool { return s.Affinity == 0 && s.Trust == 0 }

// shiftFrom reads the tone of a message by userName.
func shiftFrom(userName, message string) Shift {
	kind := cues(kindCues, message)
	hostile := cues(hostileCues, message)
	trusting := cues(trustCues, message)
	distrust := cues(distrustCues, message)
	s := Shift{
		Affinity: hundredths(kindStep*float64(len(kind)) - hostileStep*float64(len(hostile)+len(distrust))),
		Trust:    hundredths(trustStep*float64(len(trusting)) - distrustStep*float64(len(distrust))),
	}
	var why []string
	if len(kind) > 0 {
		why = append(why, fmt.Sprintf("was kind (%s)", quoteAll(kind)))
	}
	if len(hostile)+len(distrust) > 0 {
		why = append(why, fmt.Sprintf("was hostile (%s)", quoteAll(append(hostile, distrust...))))
	}
	if len(why) > 0 {
		s.Reason = userName + " " + strings.Join(why, " and ")
	}
	return s
}

// cues returns the distinct cues found, at most maxCuesCount.
func cues(re *regexp.Regexp, message string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range re.FindAllString(message, -1) {
		m = strings.ToLower(m)
		if !seen[m] && len(out) < maxCuesCount {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

func quoteAll(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(quoted, ", ")
}

// hundredths rounds away float noise (3 × 0.05 is 0.15000000000000002).
func hundredths(v float64) float64 { return math.Round(v*100) / 100 }

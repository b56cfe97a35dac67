package main

// scores are the averages over a set of questions.
type scores struct {
	n                 int
	r5, r10, hit10    float64
	sumR5, sumR10, sh float64
}

// recallAt is the share of evidence ids found among the first k of ranked
// (dataset ids, best first; a memory may stand for several, e.g. when the
// server deduplicated a repeated turn).
func recallAt(ranked [][]string, evidence []string, k int) float64 {
	if len(evidence) == 0 {
		return 0
	}
	found := map[string]bool{}
	for _, ids := range ranked[:min(k, len(ranked))] {
		for _, id := range ids {
			found[id] = true
		}
	}
	n := 0
	for _, e := range evidence {
		if found[e] {
			n++
		}
	}
	return float64(n) / float64(len(evidence))
}

// hitAt reports whether any evidence id is among the first k of ranked.
func hitAt(ranked [][]string, evidence []string, k int) bool {
	return recallAt(ranked, evidence, k) > 0
}

// add counts one question.
func (s *scores) add(ranked [][]string, evidence []string) {
	s.n++
	s.sumR5 += recallAt(ranked, evidence, 5)
	s.sumR10 += recallAt(ranked, evidence, 10)
	if hitAt(ranked, evidence, 10) {
		s.sh++
	}
	s.r5, s.r10, s.hit10 = s.sumR5/float64(s.n), s.sumR10/float64(s.n), s.sh/float64(s.n)
}

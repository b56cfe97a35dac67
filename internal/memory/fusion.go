package memory

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Fusion modes (RECALL_FUSION).
const (
	// FusionRRF is reciprocal rank fusion (Cormack, Clarke and Büttcher
	// 2009): each ranking adds weight/(k + rank). Ranks, not scores, so
	// BM25's unbounded scores and cosine similarities need no common scale.
	FusionRRF = "rrf"
	// FusionWeighted is a weighted sum of the two scores, each divided by
	// the best of its ranking for this query.
	FusionWeighted = "weighted"
	// FusionVector ranks by vector similarity alone (fusion off: the
	// ranking before lexical search existed).
	FusionVector = "vector"
	// FusionLexical ranks by BM25 alone, for comparison.
	FusionLexical = "lexical"
)

// FusionModes lists the valid RECALL_FUSION values ("off" is FusionVector).
var FusionModes = []string{FusionRRF, FusionWeighted, FusionVector, FusionLexical}

// Fusion says how the lexical and the vector ranking combine into one
// relevance in 0..1.
type Fusion struct {
	Mode string
	// K is RRF's rank constant: larger flattens the difference between
	// the first ranks.
	K float64
	// LexicalWeight and VectorWeight weigh the two rankings (both modes).
	LexicalWeight float64
	VectorWeight  float64
	// DateWeight is the share of relevance that goes to the days a query
	// names (see dates.go), when it names any: a memory of such a day gets
	// relevance (1-DateWeight)·fused + DateWeight, any other
	// (1-DateWeight)·fused. 0 turns the signal off. Both fused modes; the
	// single-ranking modes stay single, for comparison.
	DateWeight float64
}

// DefaultFusion is the fusion with the builtin embedder: a weighted sum,
// 0.8 lexical and 0.2 vector. It was chosen with `make bench-recall` on the
// development sets in ../shared/datasets (MemoryBank and MADial-Bench,
// English and Chinese), by the sum of R@10 over the four: the builtin
// vectors are hashed words and character trigrams, a lexical signal too,
// so they help most as a tie-breaker and for near spellings, and hurt when
// they weigh as much as BM25 (RRF with equal weights lost 1 to 4 pp of
// R@10 against BM25 alone). The figures are in the README ("How recall
// ranks").
var DefaultFusion = Fusion{Mode: FusionWeighted, K: 60, LexicalWeight: 0.8, VectorWeight: 0.2, DateWeight: defaultDateWeight}

// ModelFusion is the fusion with an embedding model (EMBEDDING_PROVIDER
// openai): RRF with k = 60 and equal weights, the usual choice (Cormack et
// al.; Qdrant's and mem0's hybrid search), because a model's vectors carry
// meaning that BM25 lacks. No model runs here to tune it on.
var ModelFusion = Fusion{Mode: FusionRRF, K: 60, LexicalWeight: 1, VectorWeight: 1, DateWeight: defaultDateWeight}

// defaultDateWeight is DateWeight for both embedders. At one half, a
// memory of the day a query names outranks every memory of another day,
// and within each group the words decide: naming a day is a strong
// statement ("On May 2nd, what did I buy?"). Chosen with `make
// bench-recall` on MemoryBank, where a third of the questions name a day:
// fusion's R@10 went from .901 (EN) and .907 (ZH) without it to .937 and
// .954 at 0.15, .967 and .971 at 0.3, and .970 and .974 at 0.5.
// MADial-Bench's dialogues name no day and are not affected.
const defaultDateWeight = 0.5

// DefaultFusionFor is the default fusion for an embedder provider.
func DefaultFusionFor(provider string) Fusion {
	if provider == ProviderBuiltin {
		return DefaultFusion
	}
	return ModelFusion
}

// Validate checks the fusion settings; messages name the environment variables.
func (f Fusion) Validate() error {
	var errs []error
	if !slices.Contains(FusionModes, f.Mode) {
		errs = append(errs, fmt.Errorf("RECALL_FUSION: must be one of %v (or off), got %q", FusionModes, f.Mode))
	}
	if f.K < 0 || math.IsNaN(f.K) || math.IsInf(f.K, 0) {
		errs = append(errs, fmt.Errorf("RECALL_FUSION_K: must be a non-negative number, got %v", f.K))
	}
	for _, w := range []struct {
		name  string
		value float64
	}{{"RECALL_FUSION_LEXICAL_WEIGHT", f.LexicalWeight}, {"RECALL_FUSION_VECTOR_WEIGHT", f.VectorWeight}} {
		if w.value < 0 || math.IsNaN(w.value) || math.IsInf(w.value, 0) {
			errs = append(errs, fmt.Errorf("%s: must be a non-negative number, got %v", w.name, w.value))
		}
	}
	if f.DateWeight < 0 || f.DateWeight > 1 || math.IsNaN(f.DateWeight) {
		errs = append(errs, fmt.Errorf("RECALL_FUSION_DATE_WEIGHT: must be between 0 and 1, got %v", f.DateWeight))
	}
	if (f.Mode == FusionRRF || f.Mode == FusionWeighted) && f.LexicalWeight == 0 && f.VectorWeight == 0 {
		errs = append(errs, errors.New("RECALL_FUSION_LEXICAL_WEIGHT, RECALL_FUSION_VECTOR_WEIGHT: at least one must be positive"))
	}
	return errors.Join(errs...)
}

// usesVectors and usesLexical say which rankings the mode needs.
func (f Fusion) usesVectors() bool { return f.Mode != FusionLexical }
func (f Fusion) usesLexical() bool { return f.Mode != FusionVector }

// usesDates says whether the days a query names count.
func (f Fusion) usesDates() bool {
	return (f.Mode == FusionRRF || f.Mode == FusionWeighted) && f.DateWeight > 0
}

// signals is what the two rankings say about one candidate. A rank is 1
// for the best; 0 means the candidate is not in that ranking.
type signals struct {
	lexical     float64
	lexicalRank int
	vector      float64
	vectorRank  int
	// onNamedDay: the memory happened on a day the query names.
	onNamedDay bool
}

// candidates merges the two rankings into the signals of every memory in
// either of them.
func candidates(vector []Hit, lexical []TextHit) map[string]*signals {
	out := make(map[string]*signals, len(vector)+len(lexical))
	get := func(id string) *signals {
		s := out[id]
		if s == nil {
			s = &signals{}
			out[id] = s
		}
		return s
	}
	for i, h := range vector {
		s := get(h.MemoryID)
		s.vector, s.vectorRank = float64(h.Similarity), i+1
	}
	for i, h := range lexical {
		s := get(h.MemoryID)
		s.lexical, s.lexicalRank = h.Score, i+1
	}
	return out
}

// relevance fuses the signals of a candidate into 0..1. best holds the
// best lexical and vector scores among the candidates (for FusionWeighted
// and FusionLexical); dated says the query names a day on which some
// candidate happened.
func (f Fusion) relevance(s *signals, bestLexical, bestVector float64, dated bool) float64 {
	r := f.rankings(s, bestLexical, bestVector)
	if !dated || !f.usesDates() {
		return r
	}
	r *= 1 - f.DateWeight
	if s.onNamedDay {
		r += f.DateWeight
	}
	return r
}

// rankings fuses the lexical and the vector ranking.
func (f Fusion) rankings(s *signals, bestLexical, bestVector float64) float64 {
	switch f.Mode {
	case FusionVector:
		return s.vector
	case FusionLexical:
		return ratio(s.lexical, bestLexical)
	case FusionWeighted:
		total := f.LexicalWeight + f.VectorWeight
		return (f.LexicalWeight*ratio(s.lexical, bestLexical) + f.VectorWeight*ratio(max(s.vector, 0), bestVector)) / total
	}
	// RRF, scaled so that the first place in both rankings is 1.
	var sum float64
	if s.lexicalRank > 0 {
		sum += f.LexicalWeight / (f.K + float64(s.lexicalRank))
	}
	if s.vectorRank > 0 {
		sum += f.VectorWeight / (f.K + float64(s.vectorRank))
	}
	return sum / ((f.LexicalWeight + f.VectorWeight) / (f.K + 1))
}

func ratio(x, best float64) float64 {
	if best <= 0 {
		return 0
	}
	return x / best
}

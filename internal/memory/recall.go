package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// Recall is one pipeline, in this file, in this order:
//
//  1. candidates: the best matches of the query's vector (cosine) and of its
//     terms (BM25, see lexical.go), each within the filter, more of them
//     than the caller asked for, because the priors can lift a candidate;
//     and, when the query names a day, the best vector matches of that day
//     (see dates.go);
//  2. fusion: both rankings, and whether a memory happened on a day the
//     query names, become one relevance in 0..1 (see fusion.go);
//  3. priors: relevance, recency and importance are weighed as in the
//     Generative Agents paper (see score.go), and the best are returned.
//
// To change one signal, change its step; every result carries each step's
// figures (Breakdown), which recall's "explain" shows.

// Recall returns the memories that best match the query and marks them
// accessed. The access times are written in batches (see accessLog); Flush
// writes them now.
func (s *Service) Recall(ctx context.Context, q Query) ([]Recalled, error) {
	text := strings.TrimSpace(q.Text)
	limit := q.Limit
	switch {
	case text == "":
		return nil, fmt.Errorf("%w: query text is required", store.ErrInvalid)
	case limit == 0:
		limit = DefaultRecallLimit
	case limit < 0 || limit > MaxRecallLimit:
		return nil, fmt.Errorf("%w: limit must be between 1 and %d, got %d", store.ErrInvalid, MaxRecallLimit, limit)
	}
	if q.Filter.Kind != "" && !slices.Contains(store.MemoryKinds, q.Filter.Kind) {
		return nil, fmt.Errorf("%w: kind must be one of %v, got %q", store.ErrInvalid, store.MemoryKinds, q.Filter.Kind)
	}
	if !q.Filter.After.IsZero() && !q.Filter.Before.IsZero() && q.Filter.After.After(q.Filter.Before) {
		return nil, fmt.Errorf("%w: after (%s) is later than before (%s)", store.ErrInvalid,
			q.Filter.After.Format(time.RFC3339), q.Filter.Before.Format(time.RFC3339))
	}

	// 1. Candidates.
	n := max(limit*candidateFactor, minCandidates)
	fusion := s.fusion
	if fusion.usesVectors() && s.reembed.running() {
		// The stored vectors are being re-embedded and are of two embedders
		// meanwhile: their similarities cannot be compared, so vector
		// ranking pauses (the log says so) and BM25 answers alone.
		fusion.Mode = FusionLexical
	}
	now := time.Now()
	var days []namedDay
	if fusion.usesDates() {
		days = namedDays(text, now)
	}
	var vectorHits, dayHits []Hit
	if fusion.usesVectors() {
		vector, err := s.queryVector(ctx, text, q.Filter)
		if err != nil {
			return nil, err
		}
		if vectorHits, err = s.vs.Search(ctx, vector, q.Filter, n); err != nil {
			return nil, fmt.Errorf("recall: %w", err)
		}
		// A memory of a named day may share no word with the query ("what
		// did we talk about on May 2nd?"): it becomes a candidate anyway.
		for _, d := range days {
			f, ok := narrowTo(q.Filter, d, now)
			if !ok {
				continue
			}
			hits, err := s.vs.Search(ctx, vector, f, n)
			if err != nil {
				return nil, fmt.Errorf("recall: search %s %d: %w", d.Month, d.Day, err)
			}
			dayHits = append(dayHits, hits...)
		}
	}
	var lexicalHits []TextHit
	if fusion.usesLexical() {
		var err error
		if lexicalHits, err = s.vs.SearchText(ctx, text, q.Filter, n); err != nil {
			return nil, fmt.Errorf("recall: lexical search: %w", err)
		}
	}
	found := candidates(vectorHits, lexicalHits)
	for _, h := range dayHits {
		if found[h.MemoryID] == nil {
			// Not in the vector ranking (rank 0), but its similarity counts.
			found[h.MemoryID] = &signals{vector: float64(h.Similarity)}
		}
	}
	out := []Recalled{}
	if len(found) == 0 {
		return out, nil
	}

	// 2. Fusion.
	var bestLexical, bestVector float64
	if len(lexicalHits) > 0 {
		bestLexical = lexicalHits[0].Score
	}
	if len(vectorHits) > 0 {
		bestVector = float64(vectorHits[0].Similarity)
	}
	ids := make([]string, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	// A vector whose row is gone (deleted elsewhere) is simply not returned.
	memories, err := s.st.GetMemories(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("recall: load memories: %w", err)
	}
	s.access.apply(memories)

	// A named day counts only when some candidate happened on it: else
	// every relevance would shrink alike, and the priors would weigh
	// double for a query that merely mentions a date.
	dated := false
	for _, m := range memories {
		sig := found[m.ID]
		sig.onNamedDay = onAnyDay(days, m)
		dated = dated || sig.onNamedDay
	}

	// 3. Priors.
	for _, m := range memories {
		sig := found[m.ID]
		b := Breakdown{
			Lexical: sig.lexical, LexicalRank: sig.lexicalRank,
			Vector: sig.vector, VectorRank: sig.vectorRank,
			OnNamedDay: sig.onNamedDay,
			Relevance:  fusion.relevance(sig, bestLexical, bestVector, dated),
		}
		out = append(out, s.w.score(m, b, now))
	}
	slices.SortFunc(out, func(a, b Recalled) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out = out[:min(limit, len(out))]
	recalled := make([]string, len(out))
	for i, r := range out {
		recalled[i] = r.ID
	}
	// At the store's precision, so the time applied before the write equals the stored one.
	s.access.record(recalled, now.UTC().Truncate(time.Microsecond))
	return out, nil
}

// narrowTo is f restricted to the latest occurrence of day (see
// namedDay.span); false when the two do not overlap.
func narrowTo(f Filter, day namedDay, now time.Time) (Filter, bool) {
	from, to := day.span(now)
	if f.After.IsZero() || f.After.Before(from) {
		f.After = from
	}
	if f.Before.IsZero() || f.Before.After(to) {
		f.Before = to
	}
	return f, !f.After.After(f.Before)
}

// onAnyDay reports whether m happened on one of days.
func onAnyDay(days []namedDay, m store.Memory) bool {
	occurred := happenedAt(m)
	for _, d := range days {
		if d.matches(occurred) {
			return true
		}
	}
	return false
}

// termWeigher is a vector store that knows the IDF of terms per character
// (the embedded store, through its lexical index).
type termWeigher interface {
	TermWeights(f Filter, terms []string) []float64
}

// queryVector embeds the query. With the builtin embedder and the embedded
// store, the query's tokens are weighed by their IDF among the character's
// memories: the builtin embedder's features have no notion of how common a
// word is, and without this, shared common words dominate the cosine.
func (s *Service) queryVector(ctx context.Context, text string, f Filter) ([]float32, error) {
	builtin, ok := s.emb.(*BuiltinEmbedder)
	weigher, weighs := s.vs.(termWeigher)
	if !ok || !weighs {
		return s.embedOne(ctx, text)
	}
	tokens := Tokenize(text)
	terms := make([]string, len(tokens))
	for i, t := range tokens {
		terms[i] = t.Text
	}
	weights := weigher.TermWeights(f, terms)
	if weights == nil {
		return s.embedOne(ctx, text)
	}
	return builtin.EmbedTokens(tokens, weights), nil
}

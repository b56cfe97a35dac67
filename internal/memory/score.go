package memory

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// Validate checks the weights; messages name the environment variables that set them.
func (w Weights) Validate() error {
	var errs []error
	for _, t := range []struct {
		name  string
		value float64
	}{
		{"RECALL_WEIGHT_RELEVANCE", w.Relevance},
		{"RECALL_WEIGHT_RECENCY", w.Recency},
		{"RECALL_WEIGHT_IMPORTANCE", w.Importance},
		{"RECALL_ACCESS_REFRESH", w.AccessRefresh},
	} {
		if t.value < 0 || math.IsNaN(t.value) || math.IsInf(t.value, 0) {
			errs = append(errs, fmt.Errorf("%s: must be a non-negative number, got %v", t.name, t.value))
		}
	}
	if w.Relevance == 0 && w.Recency == 0 && w.Importance == 0 {
		errs = append(errs, errors.New("RECALL_WEIGHT_RELEVANCE, RECALL_WEIGHT_RECENCY, RECALL_WEIGHT_IMPORTANCE: at least one must be positive"))
	}
	if w.AccessRefresh > 1 {
		errs = append(errs, fmt.Errorf("RECALL_ACCESS_REFRESH: must be between 0 and 1, got %v", w.AccessRefresh))
	}
	if w.HalfLife <= 0 {
		errs = append(errs, fmt.Errorf("RECALL_HALF_LIFE: must be positive, got %v", w.HalfLife))
	}
	return errors.Join(errs...)
}

// score ranks a memory as in Generative Agents: a weighted sum of the
// fused relevance, recency and importance (scaled to 0..1).
func (w Weights) score(m store.Memory, b Breakdown, now time.Time) Recalled {
	r := Recalled{
		Memory:     m,
		Relevance:  b.Relevance,
		Recency:    w.recency(m, now),
		Importance: float64(m.Importance) / 10,
		Breakdown:  b,
	}
	r.Score = w.Relevance*r.Relevance + w.Recency*r.Recency + w.Importance*r.Importance
	return r
}

// recency decays with the age of what happened: 0.5^(age/HalfLife), the
// age counted from OccurredAt, so a memory of last year stays old however
// recently it was stored. Access still counts, less: a recall refreshes a
// memory to AccessRefresh of "just now" (recency is the larger of the two
// decays), as Generative Agents' last-access recency does, but too weak to
// let memories that were recalled once outrank better matches for ever.
func (w Weights) recency(m store.Memory, now time.Time) float64 {
	return max(w.decay(now.Sub(happenedAt(m))), w.AccessRefresh*w.decay(now.Sub(m.LastAccessedAt)))
}

// happenedAt is when m happened: OccurredAt, or when it was stored if that
// is unset.
func happenedAt(m store.Memory) time.Time {
	if m.OccurredAt.IsZero() {
		return m.CreatedAt
	}
	return m.OccurredAt
}

func (w Weights) decay(age time.Duration) float64 {
	if age < 0 { // clock skew between writers must not boost a memory above "just now"
		age = 0
	}
	return math.Exp2(-age.Hours() / w.HalfLife.Hours())
}

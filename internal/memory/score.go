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
	} {
		if t.value < 0 || math.IsNaN(t.value) || math.IsInf(t.value, 0) {
			errs = append(errs, fmt.Errorf("%s: must be a non-negative number, got %v", t.name, t.value))
		}
	}
	if w.Relevance == 0 && w.Recency == 0 && w.Importance == 0 {
		errs = append(errs, errors.New("RECALL_WEIGHT_RELEVANCE, RECALL_WEIGHT_RECENCY, RECALL_WEIGHT_IMPORTANCE: at least one must be positive"))
	}
	if w.HalfLife <= 0 {
		errs = append(errs, fmt.Errorf("RECALL_HALF_LIFE: must be positive, got %v", w.HalfLife))
	}
	return errors.Join(errs...)
}

// score ranks a memory as in Generative Agents: a weighted sum of relevance
// (cosine similarity), recency (exponential decay since the memory was last
// accessed) and importance (scaled to 0..1).
func (w Weights) score(m store.Memory, similarity float32, now time.Time) Recalled {
	age := now.Sub(m.LastAccessedAt)
	if age < 0 { // clock skew between writers must not boost a memory above "just now"
		age = 0
	}
	r := Recalled{
		Memory:     m,
		Relevance:  float64(similarity),
		Recency:    math.Exp2(-age.Hours() / w.HalfLife.Hours()),
		Importance: float64(m.Importance) / 10,
	}
	r.Score = w.Relevance*r.Relevance + w.Recency*r.Recency + w.Importance*r.Importance
	return r
}

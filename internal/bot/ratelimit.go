package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a rate limit: at most Events per Per. The zero Rate means no limit.
type Rate struct {
	Events int
	Per    time.Duration
}

// ParseRate parses "EVENTS/DURATION" (for example "8/1m" or "30/10s"), or
// "off" for no limit.
func ParseRate(s string) (Rate, error) {
	if strings.EqualFold(s, "off") {
		return Rate{}, nil
	}
	events, per, ok := strings.Cut(s, "/")
	n, errN := strconv.Atoi(strings.TrimSpace(events))
	d, errD := time.ParseDuration(strings.TrimSpace(per))
	if !ok || errN != nil || errD != nil || n < 1 || d <= 0 {
		return Rate{}, fmt.Errorf("must be EVENTS/DURATION such as 8/1m, or off; got %q", s)
	}
	return Rate{Events: n, Per: d}, nil
}

// Unlimited reports whether r is no limit.
func (r Rate) Unlimited() bool { return r.Events == 0 }

func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.Events, r.Per)
}

// decision is the outcome of asking a limiter for one event.
type decision struct {
	Allowed bool
	// RetryAfter is how long to wait before the next event is allowed, when
	// it was not.
	RetryAfter time.Duration
}

// limiter counts events per key. Both implementations (in memory, Redis)
// allow the first r.Events events of a key at once, then deny with a
// RetryAfter after which an event is allowed again; keys are independent.
type limiter interface {
	Allow(ctx context.Context, key string, r Rate) (decision, error)
	// Backend names the implementation for /status.
	Backend() string
}

// memoryLimiter is a token bucket per key (golang.org/x/time/rate): bursts
// of r.Events, refilled at r.Events per r.Per. It is the limiter when no
// Redis is configured, and the fallback while Redis is down.
type memoryLimiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	// pruneAt is the size at which full (idle) buckets are dropped.
	pruneAt int
}

// minPruneSize keeps small maps from being scanned on every call.
const minPruneSize = 1024

func newMemoryLimiter() *memoryLimiter {
	return &memoryLimiter{buckets: map[string]*rate.Limiter{}, pruneAt: minPruneSize}
}

func (m *memoryLimiter) Backend() string { return "in-memory" }

func (m *memoryLimiter) Allow(_ context.Context, key string, r Rate) (decision, error) {
	if r.Unlimited() {
		return decision{Allowed: true}, nil
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	// The rate is part of the key, so a changed limit starts a fresh bucket.
	key = key + "|" + r.String()
	b, ok := m.buckets[key]
	if !ok {
		m.prune(now)
		b = rate.NewLimiter(rate.Limit(float64(r.Events)/r.Per.Seconds()), r.Events)
		m.buckets[key] = b
	}
	res := b.ReserveN(now, 1)
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		return decision{RetryAfter: wait}, nil
	}
	return decision{Allowed: true}, nil
}

// prune drops the buckets that have refilled completely: a fresh bucket
// behaves the same, so forgetting them changes nothing.
func (m *memoryLimiter) prune(now time.Time) {
	if len(m.buckets) < m.pruneAt {
		return
	}
	for k, b := range m.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(m.buckets, k)
		}
	}
	m.pruneAt = max(minPruneSize, 2*len(m.buckets))
}

// rateLimits applies the per-user and per-channel limits to a request.
type rateLimits struct {
	limiter       limiter
	user, channel Rate
	metrics       *metrics
}

// check counts a request of userID in channelID, and refuses it with a
// user error saying when to try again once either limit is reached.
func (r *rateLimits) check(ctx context.Context, userID, channelID string) error {
	for _, scope := range []struct {
		name, key string
		rate      Rate
		message   string
	}{
		{"user", "user:" + userID, r.user, "You are sending messages too fast"},
		{"channel", "channel:" + channelID, r.channel, "This channel is very busy"},
	} {
		d, err := r.limiter.Allow(ctx, scope.key, scope.rate)
		if err != nil {
			return fmt.Errorf("check the %s rate limit: %w", scope.name, err)
		}
		if !d.Allowed {
			r.metrics.rateLimited.WithLabelValues(scope.name).Inc()
			// Whole seconds, rounded up: "in 0s" would read as "now".
			wait := (d.RetryAfter + time.Second - 1).Truncate(time.Second)
			return userErrorf("%s; try again in %s.", scope.message, wait)
		}
	}
	return nil
}

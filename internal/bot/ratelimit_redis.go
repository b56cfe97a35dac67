package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// fixedWindow counts events in a window that starts with the first event:
// INCR the counter, give a new counter the window as its expiry, and return
// the count with the time left. One script, so the two steps are atomic.
var fixedWindow = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// redisLimiter is a fixed-window counter per key in Redis, shared by every
// bot process and kept across restarts.
type redisLimiter struct {
	client *redis.Client
	prefix string
}

func (l *redisLimiter) Backend() string { return "redis" }

func (l *redisLimiter) Allow(ctx context.Context, key string, r Rate) (decision, error) {
	if r.Unlimited() {
		return decision{Allowed: true}, nil
	}
	window := r.Per.Milliseconds()
	res, err := fixedWindow.Run(ctx, l.client, []string{fmt.Sprintf("%s%s:%d", l.prefix, key, window)}, window).Int64Slice()
	if err != nil {
		return decision{}, fmt.Errorf("redis rate limit: %w", err)
	}
	if count, ttl := res[0], res[1]; count > int64(r.Events) {
		return decision{RetryAfter: time.Duration(ttl) * time.Millisecond}, nil
	}
	return decision{Allowed: true}, nil
}

// defaultPrimaryTimeout bounds one check on the primary. The check runs
// before the initial interaction response, which Discord must receive
// within 3 s of the event, round trips included; Redis answers in a
// millisecond or two when it is well, so a slower answer counts as a failure.
const defaultPrimaryTimeout = 250 * time.Millisecond

// defaultPrimaryRetry is how long the fallback limiter stays on the
// fallback after the primary failed, so that an outage does not cost every
// message a failed Redis request.
const defaultPrimaryRetry = 10 * time.Second

// fallbackLimiter uses primary (Redis) and, while it fails, the in-memory
// limiter: an outage of Redis must neither stop the bot nor lift the limits.
type fallbackLimiter struct {
	primary, fallback limiter
	logger            *slog.Logger
	retryEvery        time.Duration
	// timeout bounds each call of the primary (0: none).
	timeout time.Duration
	// retryAt is when to try the primary again (Unix nanoseconds; 0 while
	// it works). It also makes the outage logged once, not per message.
	retryAt atomic.Int64
}

func (f *fallbackLimiter) Backend() string {
	if f.retryAt.Load() != 0 {
		return f.primary.Backend() + " (unavailable; using " + f.fallback.Backend() + ")"
	}
	return f.primary.Backend()
}

func (f *fallbackLimiter) Allow(ctx context.Context, key string, r Rate) (decision, error) {
	retryAt := f.retryAt.Load()
	if retryAt != 0 && time.Now().UnixNano() < retryAt {
		return f.fallback.Allow(ctx, key, r)
	}
	d, err := f.allowPrimary(ctx, key, r)
	if err == nil {
		if f.retryAt.Swap(0) != 0 {
			f.logger.Info("rate limiting is back on Redis")
		}
		return d, nil
	}
	if f.retryAt.Swap(time.Now().Add(f.retryEvery).UnixNano()) == 0 {
		f.logger.Warn("rate limiting falls back to in-memory limits while Redis fails", "error", err, "retry_every", f.retryEvery)
	}
	return f.fallback.Allow(ctx, key, r)
}

// allowPrimary asks the primary within f.timeout. The call runs apart, so
// that a client that does not give up at the deadline (a dial, a read
// that ignores the context) still cannot hold the caller; it ends with the
// client's own timeouts.
func (f *fallbackLimiter) allowPrimary(ctx context.Context, key string, r Rate) (decision, error) {
	if f.timeout <= 0 {
		return f.primary.Allow(ctx, key, r)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	type result struct {
		d   decision
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer cancel()
		d, err := f.primary.Allow(ctx, key, r)
		done <- result{d, err}
	}()
	select {
	case res := <-done:
		return res.d, res.err
	case <-ctx.Done():
		return decision{}, fmt.Errorf("%s did not answer within %s: %w", f.primary.Backend(), f.timeout, ctx.Err())
	}
}

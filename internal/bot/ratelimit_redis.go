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
	d, err := f.primary.Allow(ctx, key, r)
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

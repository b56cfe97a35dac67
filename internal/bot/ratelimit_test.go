package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/testsvc"
)

// testLimiterContract is what every limiter must do.
func testLimiterContract(t *testing.T, newLimiter func(t *testing.T) limiter) {
	burst := Rate{Events: 3, Per: 600 * time.Millisecond}

	t.Run("a burst, then a refusal with a retry time", func(t *testing.T) {
		l := newLimiter(t)
		for i := range burst.Events {
			if d, err := l.Allow(t.Context(), "k", burst); err != nil || !d.Allowed {
				t.Fatalf("event %d: %+v, %v; want allowed", i+1, d, err)
			}
		}
		d, err := l.Allow(t.Context(), "k", burst)
		if err != nil || d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > burst.Per {
			t.Fatalf("event 4: %+v, %v; want refused with a retry time within %s", d, err, burst.Per)
		}
		time.Sleep(d.RetryAfter + 20*time.Millisecond)
		if d, err := l.Allow(t.Context(), "k", burst); err != nil || !d.Allowed {
			t.Errorf("after the retry time: %+v, %v; want allowed", d, err)
		}
	})

	t.Run("keys are independent", func(t *testing.T) {
		l := newLimiter(t)
		for range burst.Events {
			_, _ = l.Allow(t.Context(), "a", burst)
		}
		if d, _ := l.Allow(t.Context(), "a", burst); d.Allowed {
			t.Fatal("key a not limited")
		}
		if d, err := l.Allow(t.Context(), "b", burst); err != nil || !d.Allowed {
			t.Errorf("key b: %+v, %v; want allowed", d, err)
		}
	})

	t.Run("no limit", func(t *testing.T) {
		l := newLimiter(t)
		for range 50 {
			if d, err := l.Allow(t.Context(), "k", Rate{}); err != nil || !d.Allowed {
				t.Fatalf("%+v, %v; want allowed", d, err)
			}
		}
	})

	t.Run("concurrent events never exceed the burst", func(t *testing.T) {
		l := newLimiter(t)
		slow := Rate{Events: 5, Per: time.Minute}
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				if d, err := l.Allow(t.Context(), "busy", slow); err == nil && d.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 5 {
			t.Errorf("%d of 40 concurrent events allowed, want 5", allowed.Load())
		}
	})
}

func TestMemoryLimiter(t *testing.T) {
	testLimiterContract(t, func(*testing.T) limiter { return newMemoryLimiter() })
}

func TestRedisLimiter(t *testing.T) {
	client := testRedis(t)
	testLimiterContract(t, func(t *testing.T) limiter {
		return &redisLimiter{client: client, prefix: uniquePrefix(t)}
	})
}

func TestMemoryLimiterForgetsIdleKeys(t *testing.T) {
	l := newMemoryLimiter()
	fast := Rate{Events: 1, Per: time.Millisecond}
	for i := range minPruneSize {
		_, _ = l.Allow(t.Context(), "user"+strconv.Itoa(i), fast)
	}
	time.Sleep(5 * time.Millisecond) // every bucket refills
	_, _ = l.Allow(t.Context(), "new", fast)
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets kept, want only the new one", n)
	}
}

// TestLimiterFallsBackWhileRedisIsDown: with Redis unreachable the limits
// still hold, in memory, and /status says so.
func TestLimiterFallsBackWhileRedisIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	down := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	f := &fallbackLimiter{primary: &redisLimiter{client: down, prefix: "x:"}, fallback: newMemoryLimiter(), logger: slog.New(slog.DiscardHandler)}
	r := Rate{Events: 2, Per: time.Minute}
	var allowed int
	for range 4 {
		d, err := f.Allow(t.Context(), "k", r)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
	}
	if allowed != 2 {
		t.Errorf("%d of 4 allowed while Redis is down, want 2", allowed)
	}
	if b := f.Backend(); !strings.Contains(b, "unavailable; using in-memory") {
		t.Errorf("backend %q, want the fallback named", b)
	}
}

// testRedis connects to the shared test Redis server.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testsvc.RedisURL(t))
	if err != nil {
		t.Fatalf("parse the test Redis URL: %v", err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("ping the test Redis: %v", err)
	}
	return client
}

// uniquePrefix keeps a test's Redis keys apart from every other run's.
func uniquePrefix(t *testing.T) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "charsim-test:" + hex.EncodeToString(b) + ":"
	client := testRedis(t)
	t.Cleanup(func() {
		ctx := context.Background() // the test's context has ended
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	return prefix
}

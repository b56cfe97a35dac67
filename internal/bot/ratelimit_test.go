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

// TestLimiterFallsBackWhileRedisIsDown: while the real Redis is cut off
// the limits still hold, in memory, and /status says so; when it is back
// the limiter returns to it by itself.
func TestLimiterFallsBackWhileRedisIsDown(t *testing.T) {
	proxy := newTCPProxy(t, redisAddr(t))
	client := redis.NewClient(&redis.Options{Addr: proxy.addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = client.Close() })
	f := &fallbackLimiter{primary: &redisLimiter{client: client, prefix: uniquePrefix(t)}, fallback: newMemoryLimiter(),
		logger: slog.New(slog.DiscardHandler), retryEvery: 200 * time.Millisecond}
	r := Rate{Events: 2, Per: time.Minute}
	allow := func(key string) bool {
		t.Helper()
		d, err := f.Allow(t.Context(), key, r)
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed
	}

	if !allow("up") || f.Backend() != "redis" {
		t.Fatalf("backend %q with Redis up", f.Backend())
	}
	proxy.down()
	var allowed int
	for range 4 {
		if allow("down") {
			allowed++
		}
	}
	if allowed != 2 {
		t.Errorf("%d of 4 allowed while Redis is down, want 2", allowed)
	}
	if b := f.Backend(); !strings.Contains(b, "unavailable; using in-memory") {
		t.Errorf("backend %q, want the fallback named", b)
	}
	proxy.up()
	time.Sleep(250 * time.Millisecond)
	allow("up")
	if f.Backend() != "redis" {
		t.Errorf("backend %q after Redis came back, want redis", f.Backend())
	}
	// The count kept in Redis before the outage still holds: this is the
	// third event of key up.
	if allow("up") {
		t.Error("a third event on key up was allowed: the Redis count was lost")
	}
}

// tcpProxy forwards connections to a server and can cut them all off, or
// make the server hang.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string
	hung   atomic.Bool
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			upstream, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, upstream)
			p.mu.Unlock()
			go p.pipe(upstream, c)
			go p.pipe(c, upstream)
		}
	}()
}

// pipe copies src to dst until either ends. While the proxy hangs it reads
// and drops: the server seems alive (connections are accepted and stay
// open) but answers nothing, as a stalled or overloaded Redis does.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.hung.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// hang makes every connection, open or new, stop answering.
func (p *tcpProxy) hang() { p.hung.Store(true) }

// down closes the listener and every forwarded connection.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up listens again on the same address.
func (p *tcpProxy) up() { p.listen(p.addr) }

func redisAddr(t *testing.T) string {
	opts, err := redis.ParseURL(testsvc.RedisURL(t))
	if err != nil {
		t.Fatalf("parse the test Redis URL: %v", err)
	}
	return opts.Addr
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

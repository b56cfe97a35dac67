package mcpserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

func redisClient(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func contents(ms []store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Content
	}
	return out
}

// say logs user messages to Aria in channel c.
func say(t testing.TB, ts *testServer, texts ...string) {
	t.Helper()
	s := ts.session(t)
	for _, text := range texts {
		call[store.Message](t, s, "log_message", map[string]any{"character": "Aria", "channel": "c", "role": "user", "user": "sam", "content": text})
	}
}

func recent(t testing.TB, ts *testServer, limit int) []string {
	t.Helper()
	rc := call[roleplayContext](t, ts.session(t), "get_context", map[string]any{"character": "Aria", "channel": "c", "message_limit": limit})
	return contents(rc.RecentMessages)
}

func TestRedisConversationCache(t *testing.T) {
	url := testsvc.RedisURL(t)
	rdb := redisClient(t, url)
	cfg := testConfig(t)
	cfg.RedisURL = url
	ts, _ := startServer(t, cfg)
	aria := call[store.Character](t, ts.session(t), "create_character", map[string]any{"name": "Aria"})
	key, _ := recentKeys(aria.ID, "c")
	ctx := t.Context()

	var ready readiness
	if code := getJSON(t, ts.URL+"/readyz", &ready); code != http.StatusOK || len(ready.Dependencies) != 3 || ready.Dependencies[2].Name != "redis" {
		t.Errorf("/readyz = %d %+v, want redis checked", code, ready)
	}

	say(t, ts, "one", "two", "three")
	if n := rdb.Exists(ctx, key).Val(); n != 0 {
		t.Fatalf("conversation cached before anyone read it")
	}
	if got := recent(t, ts, 2); !slices.Equal(got, []string{"two", "three"}) {
		t.Errorf("recent 2 = %v", got)
	}
	if n := rdb.ZCard(ctx, key).Val(); n != 3 {
		t.Errorf("cached %d messages after the first read, want the whole conversation (3)", n)
	}

	say(t, ts, "four")
	if n := rdb.ZCard(ctx, key).Val(); n != 4 {
		t.Errorf("cached %d messages after log_message, want 4", n)
	}
	if got := recent(t, ts, 2); !slices.Equal(got, []string{"three", "four"}) {
		t.Errorf("recent 2 after log_message = %v", got)
	}

	// Reads come from Redis: an entry planted there shows up.
	planted := fmt.Sprintf(`{"id":"planted","character_id":%q,"channel_id":"c","role":"user","content":"planted","created_at":%q}`,
		aria.ID, time.Now().Add(time.Hour).Format(time.RFC3339Nano))
	rdb.ZAdd(ctx, key, redis.Z{Score: float64(time.Now().Add(time.Hour).UnixMicro()), Member: planted})
	if got := recent(t, ts, 1); !slices.Equal(got, []string{"planted"}) {
		t.Errorf("recent 1 = %v, want the planted entry: reads do not use the cache", got)
	}
	rdb.ZRem(ctx, key, planted)

	// The cache keeps only the newest messages; longer reads go to the store.
	for i := range recentCacheSize {
		say(t, ts, "m"+strconv.Itoa(i))
	}
	if n := rdb.ZCard(ctx, key).Val(); n != recentCacheSize {
		t.Errorf("cached %d messages, want the newest %d", n, recentCacheSize)
	}
	if got := recent(t, ts, recentCacheSize+4); len(got) != recentCacheSize+4 || got[0] != "one" {
		t.Errorf("recent %d = %d messages starting %v", recentCacheSize+4, len(got), got[:1])
	}

	// Deleting messages drops the cached conversations.
	call[forgottenUser](t, ts.session(t), "forget_user", map[string]any{"user": "sam"})
	if n := rdb.Exists(ctx, key).Val(); n != 0 {
		t.Errorf("conversation still cached after forget_user")
	}
	if got := recent(t, ts, 5); len(got) != 0 {
		t.Errorf("recent after forget_user = %v", got)
	}
}

// TestRedisOutage takes a private Redis away and brings it back with its old
// data: tools keep working on the store meanwhile, /readyz reports Redis,
// and the message logged during the outage is not hidden by the stale cache.
func TestRedisOutage(t *testing.T) {
	r := startRedis(t)
	cfg := testConfig(t)
	cfg.RedisURL = r.url()
	ts, _ := startServer(t, cfg)
	call[store.Character](t, ts.session(t), "create_character", map[string]any{"name": "Aria"})
	say(t, ts, "before one", "before two")
	if got := recent(t, ts, 10); len(got) != 2 {
		t.Fatalf("recent = %v", got)
	}
	r.stop(true)

	var body readiness
	// Redis is optional: reported, but the server stays in its Service.
	if code := getJSON(t, ts.URL+"/readyz", &body); code != http.StatusOK || body.Status != "degraded" ||
		body.Dependencies[2].Name != "redis" || body.Dependencies[2].OK || !body.Dependencies[2].Optional {
		t.Errorf("/readyz with Redis down = %d %+v, want 200 degraded, naming redis as optional and failing", code, body)
	}
	say(t, ts, "during")
	want := []string{"before one", "before two", "during"}
	if got := recent(t, ts, 10); !slices.Equal(got, want) {
		t.Errorf("recent during the outage = %v, want %v", got, want)
	}

	r.start()
	waitFor(t, 30*time.Second, "/readyz to recover", func(context.Context) bool {
		var body readiness
		return getJSON(t, ts.URL+"/readyz", &body) == http.StatusOK && body.Status == "ready"
	})
	if got := recent(t, ts, 10); !slices.Equal(got, want) {
		t.Errorf("recent after Redis came back with its old data = %v, want %v", got, want)
	}
}

// privateRedis is a Redis server of one test, which it can stop and start
// again with the data it saved.
type privateRedis struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
}

func startRedis(t testing.TB) *privateRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server not found: run `make test` or hack/test-services.sh start (it installs redis-server)"
		if testing.Short() {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &privateRedis{t: t, dir: t.TempDir(), port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	r.start()
	t.Cleanup(func() { r.stop(false) })
	return r
}

func (r *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	rdb := redisClient(r.t, r.url())
	waitFor(r.t, 10*time.Second, "redis-server to answer", func(ctx context.Context) bool {
		return rdb.Ping(ctx).Err() == nil
	})
}

// stop stops the server, first saving its data when save is set.
func (r *privateRedis) stop(save bool) {
	if r.cmd == nil {
		return
	}
	if save {
		if err := redisClient(r.t, r.url()).Save(r.t.Context()).Err(); err != nil {
			r.t.Fatalf("redis SAVE: %v", err)
		}
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

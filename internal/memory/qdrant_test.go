package memory_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/memory/memorytest"
	"github.com/mojin/charsim/internal/store"
)

// requireQdrant skips when no Qdrant is configured: it is the one service
// that cannot exist on the CI machine.
func requireQdrant(t *testing.T) {
	t.Helper()
	if os.Getenv("QDRANT_URL") == "" {
		t.Skip("QDRANT_URL is not set: Qdrant cannot run on this machine (no package, no Docker). " +
			"This suite runs in the kind e2e tier and on a developer machine: " +
			"QDRANT_URL=http://localhost:6334 go test ./internal/memory/ -run Qdrant")
	}
}

// qdrantConfig returns the Qdrant configuration from QDRANT_URL (and
// QDRANT_API_KEY) with a collection of the test's own, dropped at the end.
func qdrantConfig(t *testing.T) memory.QdrantConfig {
	t.Helper()
	cfg, err := memory.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Qdrant
	q.Collection = "charsim_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	t.Cleanup(func() {
		client, err := qdrant.NewClient(&qdrant.Config{Host: q.Host, Port: q.Port, APIKey: string(q.APIKey), UseTLS: q.UseTLS, SkipCompatibilityCheck: true})
		if err != nil {
			t.Errorf("connect to drop collection %s: %v", q.Collection, err)
			return
		}
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if exists, err := client.CollectionExists(ctx, q.Collection); err == nil && exists {
			if err := client.DeleteCollection(ctx, q.Collection); err != nil {
				t.Errorf("drop collection %s: %v", q.Collection, err)
			}
		}
	})
	return q
}

func newQdrantStore(t *testing.T) *memory.QdrantStore {
	t.Helper()
	vs, err := memory.NewQdrantStore(qdrantConfig(t))
	if err != nil {
		t.Fatalf("NewQdrantStore: %v", err)
	}
	t.Cleanup(func() { vs.Close() })
	return vs
}

func TestQdrantContract(t *testing.T) {
	requireQdrant(t)
	memorytest.RunVectorStore(t, func(t *testing.T) memory.VectorStore { return newQdrantStore(t) })
}

func TestQdrantRecallContract(t *testing.T) {
	requireQdrant(t)
	memorytest.RunRecall(t, func(t *testing.T) (store.Store, memory.VectorStore) {
		return openSQLite(t, t.TempDir()), newQdrantStore(t)
	})
}

// TestServiceWithQdrant runs the Service's remote path against a real Qdrant:
// rows in SQLite, vectors in Qdrant.
func TestServiceWithQdrant(t *testing.T) {
	requireQdrant(t)
	vs := newQdrantStore(t)
	f := newFixture(t, openSQLite(t, t.TempDir()), vs, memory.DefaultWeights)
	c := f.character(t)
	m := f.remember(t, store.Memory{CharacterID: c, UserID: "u1", Text: "The lighthouse lamp went dark during the storm."})
	f.remember(t, store.Memory{CharacterID: c, Text: "The baker sells honey bread on market days."})

	got := f.recall(t, memory.Query{Text: "what happened to the lighthouse lamp", Filter: memory.Filter{CharacterID: c}})
	if len(got) != 2 || got[0].ID != m.ID {
		t.Fatalf("recall = %v, want the lighthouse memory first", recalledIDs(got))
	}
	if err := f.svc.Forget(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	hits, err := vs.Search(t.Context(), embed(t, builtin(t, memory.DefaultBuiltinDimension), "lighthouse lamp")[0], memory.Filter{CharacterID: c}, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.MemoryID == m.ID {
			t.Fatal("the forgotten memory's point is still in Qdrant")
		}
	}

	// A collection of another dimension is refused at start.
	_, err = memory.NewService(t.Context(), f.st, vs, builtin(t, 64), memory.DefaultWeights)
	if !errors.Is(err, memory.ErrDimensionMismatch) {
		t.Fatalf("NewService with a 64-dimensional embedder: err = %v, want ErrDimensionMismatch", err)
	}
}

// Without a Qdrant server the store still reports failures clearly (a
// closed port is real, not simulated): not ready, and the Service refuses to start.
func TestQdrantUnreachable(t *testing.T) {
	if _, err := memory.NewQdrantStore(memory.QdrantConfig{Collection: "x"}); err == nil || !strings.Contains(err.Error(), "QDRANT_URL") {
		t.Fatalf("NewQdrantStore without a host: err = %v, want one naming QDRANT_URL", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	vs, err := memory.NewQdrantStore(memory.QdrantConfig{Host: "127.0.0.1", Port: port, Collection: "charsim_memories"})
	if err != nil {
		t.Fatalf("NewQdrantStore connects lazily and should not fail: %v", err)
	}
	defer vs.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := vs.Ping(ctx); err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Ping of a closed port: err = %v, want an error naming %s", err, addr)
	}
	_, err = memory.NewService(ctx, openSQLite(t, t.TempDir()), vs, builtin(t, 8), memory.DefaultWeights)
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("NewService with an unreachable Qdrant: err = %v, want an error naming %s", err, addr)
	}
	if err := vs.Upsert(ctx, []store.MemoryVector{{MemoryID: "m", CharacterID: "c", Vector: make([]float32, 8)}}); err == nil {
		t.Fatal("Upsert without a collection succeeded")
	}
}

// stalledServer accepts TCP connections on addr and never answers, as a
// Qdrant that hangs (or a blackholed route behind a proxy) does. It returns
// the address it listens on and a channel that receives each accepted
// connection.
func stalledServer(t *testing.T, network, addr string) (string, <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case accepted <- c:
			default:
				c.Close()
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	})
	return l.Addr().String(), accepted
}

// An IPv6 host is dialled as [::1]:port; the client's own "%s:%d" made it
// "::1:port", which no dialler accepts.
func TestQdrantDialsIPv6Hosts(t *testing.T) {
	addr, accepted := stalledServer(t, "tcp6", "[::1]:0")
	_, port, _ := net.SplitHostPort(addr)
	cfg, err := memory.LoadConfig(func(name string) (string, bool) {
		v, ok := map[string]string{"QDRANT_URL": "http://[::1]:" + port, "QDRANT_TIMEOUT": "300ms"}[name]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := memory.NewQdrantStore(cfg.Qdrant)
	if err != nil {
		t.Fatalf("NewQdrantStore(%s): %v", cfg.Qdrant.Addr(), err)
	}
	defer vs.Close()
	err = vs.Ping(t.Context())
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatalf("no connection reached %s; Ping: %v", addr, err)
	}
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Ping of a server that never answers: err = %v, want an error naming %s", err, addr)
	}
}

// stalledGRPCServer is a real gRPC server on 127.0.0.1 that completes the
// HTTP/2 handshake and accepts every call, then never answers: a Qdrant that
// hangs. Without deadlines of their own, calls to it block forever.
func stalledGRPCServer(t *testing.T) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		<-stream.Context().Done()
		return stream.Context().Err()
	}))
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	addr := l.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

// Each Qdrant call has its own deadline, so a Qdrant that accepts calls and
// then hangs fails them instead of holding the MCP request (whose context
// has no deadline) open forever.
func TestQdrantCallsTimeOutOnAStalledServer(t *testing.T) {
	host, port := stalledGRPCServer(t)
	vs, err := memory.NewQdrantStore(memory.QdrantConfig{Host: host, Port: port, Collection: "charsim_memories", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Close()
	// The test's own deadline only keeps a regression from hanging the run.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	calls := map[string]func() error{
		"Ping":             func() error { return vs.Ping(ctx) },
		"EnsureCollection": func() error { return vs.EnsureCollection(ctx, 8) },
		"Reset":            func() error { return vs.Reset(ctx, 8) },
		"Delete":           func() error { return vs.Delete(ctx, []string{"m1"}) },
		"ScanVectors": func() error {
			return vs.ScanVectors(ctx, func(store.MemoryVector) error { return nil })
		},
	}
	for name, call := range calls {
		err := call()
		if ctx.Err() != nil {
			t.Fatalf("%s outlived the test's own deadline: the store's timeout did not apply", name)
		}
		if !strings.Contains(fmt.Sprint(err), "DeadlineExceeded") {
			t.Errorf("%s against a stalled Qdrant: err = %v, want DeadlineExceeded", name, err)
		}
	}
}

// Readiness fails when the collection is gone or the API key is wrong; the
// health check Ping used before passed in both cases.
func TestQdrantPingChecksTheCollectionAndTheKey(t *testing.T) {
	requireQdrant(t)
	cfg := qdrantConfig(t)
	vs, err := memory.NewQdrantStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Close()
	if err := vs.EnsureCollection(t.Context(), 8); err != nil {
		t.Fatal(err)
	}
	if err := vs.Ping(t.Context()); err != nil {
		t.Fatalf("Ping with the collection in place: %v", err)
	}
	client, err := qdrant.NewClient(&qdrant.Config{Host: cfg.Host, Port: cfg.Port, APIKey: string(cfg.APIKey), UseTLS: cfg.UseTLS, SkipCompatibilityCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.DeleteCollection(t.Context(), cfg.Collection); err != nil {
		t.Fatal(err)
	}
	if err := vs.Ping(t.Context()); err == nil || !strings.Contains(err.Error(), "is gone") {
		t.Fatalf("Ping after the collection was deleted: err = %v, want one saying it is gone", err)
	}
	if cfg.APIKey == "" {
		t.Log("QDRANT_API_KEY is not set: the wrong-key case needs a Qdrant with an API key")
		return
	}
	wrong := cfg
	wrong.APIKey = "not-the-key"
	bad, err := memory.NewQdrantStore(wrong)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.Ping(t.Context()); err == nil {
		t.Fatal("Ping with a wrong API key succeeded")
	}
}

// Points that outlived their rows (a compensation that failed too) are
// deleted by ForgetUser and DeleteCharacter through their payload, so no
// embedding of forgotten content survives.
func TestQdrantForgetDeletesOrphanPoints(t *testing.T) {
	requireQdrant(t)
	vs := newQdrantStore(t)
	f := newFixture(t, openSQLite(t, t.TempDir()), vs, memory.DefaultWeights)
	c := f.character(t)
	emb := builtin(t, memory.DefaultBuiltinDimension)
	orphan := func(id, character, user string) store.MemoryVector {
		return store.MemoryVector{MemoryID: id, CharacterID: character, UserID: user, Kind: store.KindEpisodic, Text: "orphan", Vector: embed(t, emb, "orphan "+id)[0]}
	}
	userOrphan, charOrphan := uuid.NewString(), uuid.NewString()
	if err := vs.Upsert(t.Context(), []store.MemoryVector{orphan(userOrphan, c, "u-gone"), orphan(charOrphan, c, "u-other")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ForgetUser(t.Context(), "u-gone"); err != nil {
		t.Fatal(err)
	}
	if got := f.vectorIDs(t, memory.Filter{UserID: "u-gone"}); len(got) != 0 {
		t.Fatalf("points of the forgotten user after ForgetUser: %v", got)
	}
	if err := f.svc.DeleteCharacter(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if got := f.vectorIDs(t, memory.Filter{CharacterID: c}); len(got) != 0 {
		t.Fatalf("points of the deleted character after DeleteCharacter: %v", got)
	}
}

// More points than one upsert request carries (qdrantUpsertChunk) all arrive.
func TestQdrantUpsertsLargeBatches(t *testing.T) {
	requireQdrant(t)
	vs := newQdrantStore(t)
	if err := vs.EnsureCollection(t.Context(), 8); err != nil {
		t.Fatal(err)
	}
	batch := make([]store.MemoryVector, 600)
	for i := range batch {
		v := make([]float32, 8)
		v[i%8] = 1
		batch[i] = store.MemoryVector{MemoryID: uuid.NewString(), CharacterID: "c", Kind: store.KindEpisodic, Text: fmt.Sprint("memory ", i), Vector: v}
	}
	if err := vs.Upsert(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if n, err := vs.CountVectors(t.Context()); err != nil || n != int64(len(batch)) {
		t.Fatalf("after upserting %d points: %d, %v", len(batch), n, err)
	}
}

// Two servers starting at once both create the collection; both succeed,
// and there is one collection.
func TestQdrantConcurrentEnsureCollection(t *testing.T) {
	requireQdrant(t)
	cfg := qdrantConfig(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			vs, err := memory.NewQdrantStore(cfg)
			if err != nil {
				errs <- err
				return
			}
			defer vs.Close()
			errs <- vs.EnsureCollection(t.Context(), 8)
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("EnsureCollection racing another: %v", err)
		}
	}
}

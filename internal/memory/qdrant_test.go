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
		client, err := qdrant.NewClient(&qdrant.Config{Host: q.Host, Port: q.Port, APIKey: string(q.APIKey), UseTLS: q.UseTLS})
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

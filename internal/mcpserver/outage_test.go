package mcpserver

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// TestPostgresOutage stops the server's PostgreSQL under it: /readyz turns
// 503 naming postgres, tools fail with a clear error, and once PostgreSQL is
// back everything recovers by itself, with the data intact.
func TestPostgresOutage(t *testing.T) {
	pg := testsvc.StartPostgres(t)
	cfg := testConfig(t)
	cfg.DatabaseURL = pg.URL()
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	call[store.Character](t, s, "create_character", map[string]any{"name": "Aria"})
	mem := call[store.Memory](t, s, "remember", map[string]any{"character": "Aria", "text": "The key is under the blue flowerpot"})

	pg.Stop()

	var body readiness
	if code := getJSON(t, ts.URL+"/readyz", &body); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with PostgreSQL down = %d %+v, want 503", code, body)
	}
	if body.Status != "unavailable" || len(body.Dependencies) == 0 || body.Dependencies[0].Name != "postgres" ||
		body.Dependencies[0].OK || body.Dependencies[0].Error == "" {
		t.Errorf("/readyz body = %+v, want postgres failing with a reason", body)
	}
	t.Logf("/readyz during the outage: %+v", body)
	msg := callFails(t, s, "get_character", map[string]any{"character": "Aria"})
	t.Logf("tool error during the outage: %s", msg)
	if !strings.Contains(msg, "postgres") || !strings.Contains(msg, "unavailable") {
		t.Errorf("tool error during the outage = %q, want it to say postgres is unavailable", msg)
	}
	if _, err := s.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "character://Aria"}); err == nil || !strings.Contains(err.Error(), "postgres") {
		t.Errorf("resource read during the outage: %v, want an error naming postgres", err)
	}

	pg.Start()

	waitFor(t, 30*time.Second, "/readyz to recover", func(context.Context) bool {
		var body readiness
		return getJSON(t, ts.URL+"/readyz", &body) == http.StatusOK
	})
	got := call[recalledMemories](t, s, "recall", map[string]any{"character": "Aria", "query": "where is the key?"})
	if len(got.Memories) != 1 || got.Memories[0].ID != mem.ID {
		t.Errorf("recall after recovery = %v", texts(got.Memories))
	}
	call[store.Memory](t, s, "remember", map[string]any{"character": "Aria", "text": "Writes work again"})
}

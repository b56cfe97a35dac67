package mcpserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func TestBearerAuth(t *testing.T) {
	const token = "s3cret-token"
	cfg := testConfig(t)
	cfg.AuthToken = token
	ts, _ := startServer(t, cfg)

	t.Run("raw request without token", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/mcp", strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") {
			t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
		}
	})

	for name, bad := range map[string]string{"no token": "", "wrong token": "s3cret-tokem", "token prefix": "s3cret"} {
		t.Run(name, func(t *testing.T) {
			if _, err := ts.connect(t, bad, nil); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
				t.Errorf("connect: %v, want Unauthorized", err)
			}
		})
	}

	t.Run("right token", func(t *testing.T) {
		s, err := ts.connect(t, token, nil)
		if err != nil {
			t.Fatalf("connect with the token: %v", err)
		}
		call[characterList](t, s, "list_characters", nil)
	})

	t.Run("probes stay open", func(t *testing.T) {
		var body readiness
		if code := getJSON(t, ts.URL+"/readyz", &body); code != http.StatusOK || body.Status != "ready" {
			t.Errorf("/readyz = %d %+v", code, body)
		}
		var health map[string]string
		if code := getJSON(t, ts.URL+"/healthz", &health); code != http.StatusOK || health["status"] != "ok" {
			t.Errorf("/healthz = %d %v", code, health)
		}
	})
}

func TestReadinessNamesDependencies(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	var body readiness
	if code := getJSON(t, ts.URL+"/readyz", &body); code != http.StatusOK {
		t.Fatalf("/readyz = %d %+v", code, body)
	}
	var names []string
	for _, d := range body.Dependencies {
		names = append(names, d.Name)
		if !d.OK || d.Error != "" {
			t.Errorf("dependency %+v not ok", d)
		}
	}
	if strings.Join(names, ",") != "sqlite,embedded" {
		t.Errorf("dependencies = %v, want sqlite and embedded", names)
	}
}

// TestRestart closes the server and its store and opens a new one on the same
// data directory: everything acknowledged before is still there.
func TestRestart(t *testing.T) {
	cfg := testConfig(t)
	first, stop := startServer(t, cfg)
	s := first.session(t)
	call[any](t, s, "create_character", map[string]any{"name": "Aria"})
	mem := call[store.Memory](t, s, "remember", map[string]any{"character": "Aria", "text": "The bakery on Elm Street sells rye bread", "importance": 8})
	call[any](t, s, "remember", map[string]any{"character": "Aria", "text": "Storms come from the west in autumn"})
	call[any](t, s, "add_event", map[string]any{"channel": "town", "description": "Aria opens the bakery"})
	call[any](t, s, "log_message", map[string]any{"character": "Aria", "channel": "town", "role": "user", "content": "Morning!"})
	stop()

	second, _ := startServer(t, cfg)
	s = second.session(t)
	got := call[recalledMemories](t, s, "recall", map[string]any{"character": "Aria", "query": "where can I buy rye bread?"})
	if len(got.Memories) != 2 || got.Memories[0].ID != mem.ID {
		t.Errorf("recall after restart = %v, want the bakery memory first of 2", texts(got.Memories))
	}
	rc := call[roleplayContext](t, s, "get_context", map[string]any{"character": "Aria", "channel": "town"})
	if len(rc.Timeline) != 1 || len(rc.RecentMessages) != 1 {
		t.Errorf("after restart: timeline %v, messages %+v", descriptions(rc.Timeline), rc.RecentMessages)
	}
}

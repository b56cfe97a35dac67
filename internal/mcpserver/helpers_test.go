package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/testsvc"
)

// testConfig is a zero-config server on SQLite in a fresh directory with
// the builtin embedder.
func testConfig(t testing.TB) Config {
	t.Helper()
	mem, err := memory.LoadConfig(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("memory config: %v", err)
	}
	return Config{DataDir: t.TempDir(), Memory: mem}
}

// postgresConfig is testConfig on a fresh database of the shared test
// PostgreSQL server.
func postgresConfig(t testing.TB) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.DatabaseURL = testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	return cfg
}

// testServer is a real server behind a real HTTP listener.
type testServer struct {
	*Server
	URL string
}

// startServer opens a server for cfg and serves it over HTTP until the test
// ends. Call stop to close it earlier (restart tests).
func startServer(t testing.TB, cfg Config) (ts *testServer, stop func()) {
	t.Helper()
	srv, err := Open(t.Context(), cfg, NewLogger(t.Output(), slog.LevelDebug))
	if err != nil {
		t.Fatalf("open server: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	}
	t.Cleanup(stop)
	return &testServer{Server: srv, URL: hs.URL}, stop
}

// connect opens an MCP client session on the server's /mcp endpoint,
// sending token as a bearer token when it is not empty.
func (ts *testServer) connect(t testing.TB, token string, opts *mcp.ClientSessionOptions) (*mcp.ClientSession, error) {
	t.Helper()
	httpClient := &http.Client{Transport: bearer{token: token, next: http.DefaultTransport}, Timeout: 30 * time.Second}
	client := mcp.NewClient(&mcp.Implementation{Name: "charsim-test", Version: "test"}, nil)
	session, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{
		Endpoint: ts.URL + "/mcp", HTTPClient: httpClient, MaxRetries: -1,
	}, opts)
	if err == nil {
		t.Cleanup(func() { session.Close() })
	}
	return session, err
}

// session connects without a token and fails the test if that fails.
func (ts *testServer) session(t testing.TB) *mcp.ClientSession {
	t.Helper()
	s, err := ts.connect(t, "", nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return s
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// call calls a tool that must succeed and decodes its structured result,
// which must match the output schema the tool advertises (the server does
// not check its results on every call; every test call does) and come as
// JSON text too.
func call[Out any](t testing.TB, s *mcp.ClientSession, tool string, args map[string]any) Out {
	t.Helper()
	res, err := s.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): %v", tool, args, err)
	}
	if res.IsError {
		t.Fatalf("%s(%v) failed: %s", tool, args, resultText(res))
	}
	if err := outputSchema(t, s, tool).Validate(res.StructuredContent); err != nil {
		t.Fatalf("%s: structured content does not match the advertised output schema: %v", tool, err)
	}
	var out Out
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("%s: re-encode structured content: %v", tool, err)
	}
	if text := resultText(res); !jsonEqual(text, string(raw)) {
		t.Fatalf("%s: text content %s is not the structured content %s", tool, text, raw)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: decode %s: %v", tool, raw, err)
	}
	return out
}

// outputSchemas caches the output schemas each session's server advertises.
var outputSchemas sync.Map // *mcp.ClientSession → map[string]*jsonschema.Resolved

// outputSchema returns the resolved output schema that tools/list gives for tool.
func outputSchema(t testing.TB, s *mcp.ClientSession, name string) *jsonschema.Resolved {
	t.Helper()
	if schemas, ok := outputSchemas.Load(s); ok {
		if schema := schemas.(map[string]*jsonschema.Resolved)[name]; schema != nil {
			return schema
		}
	}
	schemas := map[string]*jsonschema.Resolved{}
	for tool, err := range s.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatalf("list tools: %v", err)
		}
		if tool.OutputSchema == nil {
			continue
		}
		raw, err := json.Marshal(tool.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var schema jsonschema.Schema
		if err := json.Unmarshal(raw, &schema); err != nil {
			t.Fatalf("%s: output schema %s: %v", tool.Name, raw, err)
		}
		if schemas[tool.Name], err = schema.Resolve(nil); err != nil {
			t.Fatalf("%s: resolve output schema: %v", tool.Name, err)
		}
	}
	outputSchemas.Store(s, schemas)
	if schemas[name] == nil {
		t.Fatalf("tool %s advertises no output schema", name)
	}
	return schemas[name]
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// callFails calls a tool that must fail with a tool error and returns its text.
func callFails(t testing.TB, s *mcp.ClientSession, tool string, args any) string {
	t.Helper()
	res, err := s.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v, want a tool error", tool, args, err)
	}
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded, want an error: %s", tool, args, resultText(res))
	}
	return resultText(res)
}

// isInternalError reports whether err is a JSON-RPC internal error, what a
// recovered panic or another server bug becomes.
func isInternalError(err error) bool {
	var wire *jsonrpc.Error
	return errors.As(err, &wire) && wire.Code == jsonrpc.CodeInternalError
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// getJSON GETs url and decodes the JSON body into out, returning the status.
func getJSON(t testing.TB, url string, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !cond(ctx) {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}

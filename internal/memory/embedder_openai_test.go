package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/memory"
)

const testAPIKey = "sk-test-secret-123"

// embeddingServer is an OpenAI-compatible /v1/embeddings endpoint that embeds
// with the builtin embedder, so its answers are real and checkable. fail
// decides, per request number (from 1), whether to answer with an error
// status or stall instead.
type embeddingServer struct {
	t          *testing.T
	defaultDim int
	fail       func(n int, w http.ResponseWriter, r *http.Request) bool

	mu       sync.Mutex
	requests []embeddingRequest
}

type embeddingRequest struct {
	Model      string   `json:"model"`
	Input      []string `json:"input"`
	Dimensions *int     `json:"dimensions"`
	auth       string
}

func newEmbeddingServer(t *testing.T, defaultDim int) (*embeddingServer, string) {
	s := &embeddingServer{t: t, defaultDim: defaultDim}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return s, srv.URL + "/v1"
}

func (s *embeddingServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var req embeddingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req.auth = r.Header.Get("Authorization")
	s.mu.Lock()
	s.requests = append(s.requests, req)
	n := len(s.requests)
	s.mu.Unlock()
	if s.fail != nil && s.fail(n, w, r) {
		return
	}
	dim := s.defaultDim
	if req.Dimensions != nil {
		dim = *req.Dimensions
	}
	e, err := memory.NewBuiltinEmbedder(dim)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	vs, _ := e.Embed(r.Context(), req.Input)
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	resp := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
	}{Object: "list", Model: req.Model}
	// Answer in reverse order: clients must place results by index.
	for i := len(vs) - 1; i >= 0; i-- {
		resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: vs[i]})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *embeddingServer) calls() []embeddingRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func openAIConfig(baseURL string) memory.EmbeddingConfig {
	return memory.EmbeddingConfig{
		Provider: memory.ProviderOpenAI, BaseURL: baseURL, Model: "nomic-embed-text", Dimensions: 32,
		APIKey: testAPIKey, BatchSize: 2, Timeout: 5 * time.Second, MaxRetries: 3,
	}
}

func newOpenAI(t *testing.T, cfg memory.EmbeddingConfig) *memory.OpenAIEmbedder {
	t.Helper()
	e, err := memory.NewOpenAIEmbedder(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewOpenAIEmbedder: %v", err)
	}
	return e
}

func TestOpenAIEmbedderBatchesInOrder(t *testing.T) {
	srv, url := newEmbeddingServer(t, 0)
	e := newOpenAI(t, openAIConfig(url))
	if e.Name() != "openai:nomic-embed-text" || e.Dimension() != 32 {
		t.Fatalf("Name/Dimension = %q/%d", e.Name(), e.Dimension())
	}
	texts := []string{"one apple", "two bananas", "three cherries", "four dates", "five elderberries"}
	got := embed(t, e, texts...)
	want := embed(t, builtin(t, 32), texts...)
	for i := range texts {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("vector %d does not belong to %q: results are out of order", i, texts[i])
		}
	}
	calls := srv.calls()
	if len(calls) != 3 {
		t.Fatalf("5 texts with batch size 2 made %d requests, want 3", len(calls))
	}
	for i, c := range calls {
		if c.auth != "Bearer "+testAPIKey {
			t.Errorf("request %d Authorization = %q, want the bearer API key", i, c.auth)
		}
		if c.Model != "nomic-embed-text" || c.Dimensions == nil || *c.Dimensions != 32 {
			t.Errorf("request %d model/dimensions = %q/%v, want nomic-embed-text/32", i, c.Model, c.Dimensions)
		}
	}
	if !slices.Equal(calls[2].Input, []string{"five elderberries"}) {
		t.Errorf("last batch = %v", calls[2].Input)
	}
}

func TestOpenAIEmbedderLearnsDimensionWhenUnset(t *testing.T) {
	srv, url := newEmbeddingServer(t, 48)
	cfg := openAIConfig(url)
	cfg.Dimensions = 0
	cfg.APIKey = ""
	e := newOpenAI(t, cfg)
	if e.Dimension() != 48 {
		t.Fatalf("Dimension = %d, want 48 learned from the endpoint", e.Dimension())
	}
	embed(t, e, "hello")
	for i, c := range srv.calls() {
		if c.Dimensions != nil {
			t.Errorf("request %d sent dimensions=%d although none was configured", i, *c.Dimensions)
		}
		if c.auth != "" {
			t.Errorf("request %d sent Authorization without an API key", i)
		}
	}
}

func TestOpenAIEmbedderRetriesServerErrors(t *testing.T) {
	srv, url := newEmbeddingServer(t, 0)
	srv.fail = func(n int, w http.ResponseWriter, _ *http.Request) bool {
		switch n {
		case 1, 2:
			http.Error(w, "model loading", http.StatusServiceUnavailable)
			return true
		case 3:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return true
		}
		return false
	}
	e := newOpenAI(t, openAIConfig(url))
	got := embed(t, e, "retry me")
	if !slices.Equal(got[0], embed(t, builtin(t, 32), "retry me")[0]) {
		t.Fatal("wrong vector after retries")
	}
	if n := len(srv.calls()); n != 4 {
		t.Fatalf("made %d requests, want 4 (503, 503, 429, then success)", n)
	}
}

func TestOpenAIEmbedderGivesUpAfterMaxRetries(t *testing.T) {
	srv, url := newEmbeddingServer(t, 0)
	srv.fail = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		http.Error(w, "backend down", http.StatusBadGateway)
		return true
	}
	cfg := openAIConfig(url)
	cfg.MaxRetries = 1
	_, err := newOpenAI(t, cfg).Embed(t.Context(), []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 502") || !strings.Contains(err.Error(), "backend down") {
		t.Fatalf("err = %v, want the 502 status and body", err)
	}
	if n := len(srv.calls()); n != 2 {
		t.Fatalf("made %d requests, want 2 (one try plus one retry)", n)
	}
}

func TestOpenAIEmbedderDoesNotRetryClientErrors(t *testing.T) {
	srv, url := newEmbeddingServer(t, 0)
	srv.fail = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		http.Error(w, `{"error":"invalid api key"}`, http.StatusUnauthorized)
		return true
	}
	_, err := newOpenAI(t, openAIConfig(url)).Embed(t.Context(), []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("err = %v, want HTTP 401", err)
	}
	if strings.Contains(err.Error(), testAPIKey) {
		t.Fatal("the error message contains the API key")
	}
	if n := len(srv.calls()); n != 1 {
		t.Fatalf("a 401 was retried: %d requests", n)
	}
}

func TestOpenAIEmbedderTimesOutAndRetries(t *testing.T) {
	stall := func(w http.ResponseWriter, r *http.Request) {
		select { // hold the request until the client gives up
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	t.Run("recovers", func(t *testing.T) {
		srv, url := newEmbeddingServer(t, 0)
		srv.fail = func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n == 1 {
				stall(w, r)
				return true
			}
			return false
		}
		cfg := openAIConfig(url)
		cfg.Timeout = 200 * time.Millisecond
		embed(t, newOpenAI(t, cfg), "eventually")
		if n := len(srv.calls()); n != 2 {
			t.Fatalf("made %d requests, want 2 (a timed-out one, then success)", n)
		}
	})
	t.Run("gives up", func(t *testing.T) {
		srv, url := newEmbeddingServer(t, 0)
		srv.fail = func(_ int, w http.ResponseWriter, r *http.Request) bool {
			stall(w, r)
			return true
		}
		cfg := openAIConfig(url)
		cfg.Timeout = 100 * time.Millisecond
		cfg.MaxRetries = 1
		_, err := newOpenAI(t, cfg).Embed(t.Context(), []string{"never"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline exceeded error", err)
		}
		if n := len(srv.calls()); n != 2 {
			t.Fatalf("made %d requests, want 2", n)
		}
	})
}

func TestOpenAIEmbedderRejectsWrongDimension(t *testing.T) {
	srv, url := newEmbeddingServer(t, 0)
	srv.fail = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[0.1,0.2,0.3]}]}`))
		return true
	}
	_, err := newOpenAI(t, openAIConfig(url)).Embed(t.Context(), []string{"x"})
	if !errors.Is(err, memory.ErrDimensionMismatch) || !strings.Contains(err.Error(), "EMBEDDING_DIMENSIONS") ||
		!strings.Contains(err.Error(), "3-dimensional") || !strings.Contains(err.Error(), "32") {
		t.Fatalf("err = %v, want a dimension mismatch naming 3, 32 and EMBEDDING_DIMENSIONS", err)
	}
}

func TestOpenAIEmbedderRejectsMalformedResponses(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `<html>proxy error</html>`,
		"missing item":    `{"data":[]}`,
		"repeated index":  `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`,
		"index too large": `{"data":[{"index":5,"embedding":[1]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv, url := newEmbeddingServer(t, 0)
			srv.fail = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				_, _ = w.Write([]byte(body))
				return true
			}
			inputs := []string{"x"}
			if name == "repeated index" {
				inputs = []string{"x", "y"}
			}
			if _, err := newOpenAI(t, openAIConfig(url)).Embed(t.Context(), inputs); err == nil {
				t.Fatal("a malformed response was accepted")
			}
			if n := len(srv.calls()); n != 1 {
				t.Fatalf("a malformed response was retried (%d requests)", n)
			}
		})
	}
}

func TestNewOpenAIEmbedderValidatesConfig(t *testing.T) {
	_, url := newEmbeddingServer(t, 8)
	for field, mutate := range map[string]func(*memory.EmbeddingConfig){
		"EMBEDDING_BASE_URL":    func(c *memory.EmbeddingConfig) { c.BaseURL = "" },
		"EMBEDDING_MODEL":       func(c *memory.EmbeddingConfig) { c.Model = "" },
		"EMBEDDING_DIMENSIONS":  func(c *memory.EmbeddingConfig) { c.Dimensions = -2 },
		"EMBEDDING_BATCH_SIZE":  func(c *memory.EmbeddingConfig) { c.BatchSize = 0 },
		"EMBEDDING_TIMEOUT":     func(c *memory.EmbeddingConfig) { c.Timeout = 0 },
		"EMBEDDING_MAX_RETRIES": func(c *memory.EmbeddingConfig) { c.MaxRetries = -1 },
	} {
		cfg := openAIConfig(url)
		mutate(&cfg)
		if _, err := memory.NewOpenAIEmbedder(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("invalid %s: err = %v, want an error naming it", field, err)
		}
	}
	// Learning the dimension from an unreachable endpoint fails at start, clearly.
	cfg := openAIConfig("http://127.0.0.1:1/v1")
	cfg.Dimensions, cfg.MaxRetries = 0, 0
	if _, err := memory.NewOpenAIEmbedder(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "EMBEDDING_DIMENSIONS") {
		t.Errorf("unreachable endpoint without EMBEDDING_DIMENSIONS: err = %v", err)
	}
}

func TestOpenAIEmbedderHidesURLPassword(t *testing.T) {
	cfg := openAIConfig("http://user:hunter2@127.0.0.1:1/v1")
	cfg.MaxRetries = 0
	_, err := newOpenAI(t, cfg).Embed(t.Context(), []string{"x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err = %v, want a connection error naming the host but not the password", err)
	}
}

package bot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// chatEndpoint serves /v1/chat/completions with handle and counts the requests.
func chatEndpoint(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request)) (*chatClient, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(calls.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	c := newChatClient(LLMConfig{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "key-123", Timeout: 300 * time.Millisecond, MaxRetries: 2}, newMetrics())
	c.retryDelay = 10 * time.Millisecond
	return c, &calls
}

func answer(w http.ResponseWriter, content string) {
	writeJSON(w, http.StatusOK, map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": content}}}})
}

func TestChatComplete(t *testing.T) {
	c, calls := chatEndpoint(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer key-123" ||
			json.NewDecoder(r.Body).Decode(&req) != nil || req.Model != "m" || len(req.Messages) != 2 {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		answer(w, "reply to "+req.Messages[1].Content)
	})
	got, err := c.complete(t.Context(), []chatMessage{{Role: "system", Content: "s"}, {Role: "user", Content: "hi"}})
	if err != nil || got != "reply to hi" || calls.Load() != 1 {
		t.Errorf("complete = %q, %v after %d calls", got, err, calls.Load())
	}
	if n := observations(t, c.metrics, "ok"); n != 1 {
		t.Errorf("%d ok latency observations, want 1", n)
	}
}

func TestChatRetriesServerErrors(t *testing.T) {
	c, calls := chatEndpoint(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 1:
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		case 2:
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			answer(w, "finally")
		}
	})
	got, err := c.complete(t.Context(), []chatMessage{{Role: "user", Content: "hi"}})
	if err != nil || got != "finally" || calls.Load() != 3 {
		t.Errorf("complete = %q, %v after %d calls, want success on the third", got, err, calls.Load())
	}
}

func TestChatDoesNotRetryClientErrors(t *testing.T) {
	c, calls := chatEndpoint(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
	})
	_, err := c.complete(t.Context(), []chatMessage{{Role: "user", Content: "hi"}})
	var status *llmStatusError
	if !errors.As(err, &status) || status.Status != http.StatusNotFound || !strings.Contains(err.Error(), "model not found") || calls.Load() != 1 {
		t.Errorf("error %v after %d calls, want one HTTP 404", err, calls.Load())
	}
}

func TestChatTimesOut(t *testing.T) {
	c, calls := chatEndpoint(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
			answer(w, "too late")
		case <-r.Context().Done():
		}
	})
	start := time.Now()
	_, err := c.complete(t.Context(), []chatMessage{{Role: "user", Content: "hi"}})
	if !errors.Is(err, errLLMTimeout) || calls.Load() != 3 {
		t.Errorf("error %v after %d calls, want a timeout after 3 attempts", err, calls.Load())
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %s, want about 3 × 300ms", elapsed)
	}
	if n := observations(t, c.metrics, "timeout"); n != 3 {
		t.Errorf("%d timeout latency observations, want 3", n)
	}
}

func TestChatBadResponses(t *testing.T) {
	for name, body := range map[string]string{"no choices": `{"choices":[]}`, "not json": `<html>`} {
		t.Run(name, func(t *testing.T) {
			c, calls := chatEndpoint(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			})
			if _, err := c.complete(t.Context(), []chatMessage{{Role: "user", Content: "hi"}}); err == nil || calls.Load() != 1 {
				t.Errorf("error %v after %d calls, want one permanent failure", err, calls.Load())
			}
		})
	}
}

func TestChatPing(t *testing.T) {
	c, _ := chatEndpoint(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" && r.Header.Get("Authorization") == "Bearer key-123" {
			writeJSON(w, http.StatusOK, map[string]any{"data": []any{}})
			return
		}
		http.NotFound(w, r)
	})
	if err := c.ping(t.Context()); err != nil {
		t.Errorf("ping: %v", err)
	}
	c.modelsURL += "/missing"
	if err := c.ping(t.Context()); err == nil {
		t.Error("ping of a missing endpoint succeeded")
	}
}

func TestOfflineResponder(t *testing.T) {
	rc := roleplayContext{
		Character: character{Name: "Aria", Personality: "curious"},
		State:     characterState{Emotion: "happy"},
		Memories: []memoryRecord{
			{Text: `Sam said: "My sister Mia is a pilot."`},
			{Text: "Sam likes tea."},
		},
	}
	got, err := offlineResponder{}.respond(context.Background(), prompt{Context: rc, UserName: "Sam", Message: "my sister?"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*Aria looks at Sam, happy.* *(curious)*", `- Sam said: "My sister Mia is a pilot."`, "- Sam likes tea."} {
		if !strings.Contains(got, want) {
			t.Errorf("offline reply %q, want %q in it", got, want)
		}
	}
	rc.Memories = nil
	got, _ = offlineResponder{}.respond(context.Background(), prompt{Context: rc, UserName: "Sam"})
	if !strings.Contains(got, "Nothing I remember comes to mind") {
		t.Errorf("offline reply without memories: %q", got)
	}
}

// observations counts the LLM latencies observed with an outcome.
func observations(t *testing.T, m *metrics, outcome string) uint64 {
	t.Helper()
	var out dto.Metric
	if err := m.llmLatency.WithLabelValues(outcome).(prometheus.Histogram).Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetHistogram().GetSampleCount()
}

package turn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// observed counts the request attempts ChatClient reports, by outcome.
type observed struct {
	mu       sync.Mutex
	outcomes map[string]int
}

func (o *observed) observe(_ time.Duration, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, ErrLLMTimeout):
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	o.mu.Lock()
	o.outcomes[outcome]++
	o.mu.Unlock()
}

func (o *observed) count(outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.outcomes[outcome]
}

// chatEndpoint serves /v1/chat/completions with handle and counts the requests.
func chatEndpoint(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request)) (*ChatClient, *atomic.Int64) {
	c, calls, _ := observedChatEndpoint(t, handle)
	return c, calls
}

// observedChatEndpoint is chatEndpoint, also returning what the client
// observed of its attempts.
func observedChatEndpoint(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request)) (*ChatClient, *atomic.Int64, *observed) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(calls.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	seen := &observed{outcomes: map[string]int{}}
	c := NewChatClient(LLMConfig{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "key-123", Timeout: 300 * time.Millisecond, MaxRetries: 2}, seen.observe)
	c.retryDelay = 10 * time.Millisecond
	return c, &calls, seen
}

func answer(w http.ResponseWriter, content string) {
	writeJSON(w, http.StatusOK, map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": content}}}})
}

func TestChatComplete(t *testing.T) {
	c, calls, seen := observedChatEndpoint(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
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
	if n := seen.count("ok"); n != 1 {
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
	var status *LLMStatusError
	if !errors.As(err, &status) || status.Status != http.StatusNotFound || !strings.Contains(err.Error(), "model not found") || calls.Load() != 1 {
		t.Errorf("error %v after %d calls, want one HTTP 404", err, calls.Load())
	}
}

func TestChatTimesOut(t *testing.T) {
	c, calls, seen := observedChatEndpoint(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
			answer(w, "too late")
		case <-r.Context().Done():
		}
	})
	start := time.Now()
	_, err := c.complete(t.Context(), []chatMessage{{Role: "user", Content: "hi"}})
	if !errors.Is(err, ErrLLMTimeout) || calls.Load() != 3 {
		t.Errorf("error %v after %d calls, want a timeout after 3 attempts", err, calls.Load())
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %s, want about 3 × 300ms", elapsed)
	}
	if n := seen.count("timeout"); n != 3 {
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
	if err := c.Ping(t.Context()); err != nil {
		t.Errorf("ping: %v", err)
	}
	c.modelsURL += "/missing"
	if err := c.Ping(t.Context()); err == nil {
		t.Error("ping of a missing endpoint succeeded")
	}
}

func TestOfflineResponder(t *testing.T) {
	rc := Context{
		Character: Character{Name: "Aria", Personality: "curious"},
		State:     CharacterState{Emotion: "happy"},
		Memories: []Memory{
			{Text: `Sam said: "My sister Mia is a pilot."`},
			{Text: "Sam likes tea."},
		},
	}
	got, err := OfflineResponder{}.Respond(context.Background(), Prompt{Context: rc, UserName: "Sam", Message: "my sister?"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*Aria looks at Sam, happy.* *(curious)*", `- Sam said: "My sister Mia is a pilot."`, "- Sam likes tea."} {
		if !strings.Contains(got, want) {
			t.Errorf("offline reply %q, want %q in it", got, want)
		}
	}
	rc.Memories = nil
	got, _ = OfflineResponder{}.Respond(context.Background(), Prompt{Context: rc, UserName: "Sam"})
	if !strings.Contains(got, "Nothing I remember comes to mind") {
		t.Errorf("offline reply without memories: %q", got)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

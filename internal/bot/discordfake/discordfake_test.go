package discordfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// do sends a request with the bot token and decodes the JSON answer.
func do(t *testing.T, s *Server, method, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+"/api/v"+discordgo.APIVersion+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bot "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out) // 204 has no body
	return resp, out
}

// TestRateLimitAnswer: a 429 carries Discord's headers and body, and a
// request that comes before the reset is refused again and counted.
func TestRateLimitAnswer(t *testing.T) {
	s := New("token")
	t.Cleanup(s.Close)
	channel := s.NewID()
	s.RateLimitNext("POST", "/messages", 1, 2*time.Second, false)
	resp, body := do(t, s, "POST", "/channels/"+channel+"/messages", `{"content":"hi"}`)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket", "X-RateLimit-Scope", "Retry-After"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if after, ok := body["retry_after"].(float64); !ok || after <= 0 || after > 2 || body["global"] != false || body["message"] != "You are being rate limited." {
		t.Errorf("body %v", body)
	}
	resp, _ = do(t, s, "POST", "/channels/"+channel+"/messages", `{"content":"again"}`)
	if resp.StatusCode != http.StatusTooManyRequests || s.RateLimitViolations() != 1 {
		t.Errorf("a request before the reset: status %d, %d violations; want 429 and 1", resp.StatusCode, s.RateLimitViolations())
	}
	if resp, _ = do(t, s, "POST", "/channels/"+s.NewID()+"/typing", ""); resp.StatusCode != http.StatusNoContent {
		t.Errorf("another route: status %d, want 204", resp.StatusCode)
	}
}

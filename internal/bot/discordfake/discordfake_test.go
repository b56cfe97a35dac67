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

// formError digs the first error code at path out of a 50035 answer.
func formError(t *testing.T, body map[string]any, path ...string) string {
	t.Helper()
	if code, _ := body["code"].(float64); code != codeInvalidForm || body["message"] != "Invalid Form Body" {
		t.Fatalf("answer %v, want 50035 Invalid Form Body", body)
	}
	node, _ := body["errors"].(map[string]any)
	for _, p := range path {
		node, _ = node[p].(map[string]any)
	}
	errs, _ := node["_errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no error at %v in %v", path, body["errors"])
	}
	first, _ := errs[0].(map[string]any)
	code, _ := first["code"].(string)
	return code
}

// TestComponentsValidated: the emulator refuses the component trees
// Discord refuses, with the path and code of each error.
func TestComponentsValidated(t *testing.T) {
	s := New("token")
	t.Cleanup(s.Close)
	button := func(id string) string { return `{"type":2,"style":1,"label":"x","custom_id":"` + id + `"}` }
	row := func(cs ...string) string { return `{"type":1,"components":[` + strings.Join(cs, ",") + `]}` }
	send := func(components ...string) (int, map[string]any) {
		resp, body := do(t, s, "POST", "/channels/"+s.NewID()+"/messages", `{"content":"hi","components":[`+strings.Join(components, ",")+`]}`)
		return resp.StatusCode, body
	}
	if code, body := send(row(button("a"), button("b"), `{"type":2,"style":5,"label":"docs","url":"https://example.com"}`)); code != http.StatusOK {
		t.Fatalf("a valid row: %d %v", code, body)
	}
	for _, tc := range []struct {
		name       string
		components []string
		path       []string
		want       string
	}{
		{"custom_id over 100", []string{row(button(strings.Repeat("x", 101)))}, []string{"components", "0", "components", "0", "custom_id"}, "BASE_TYPE_MAX_LENGTH"},
		{"six buttons in a row", []string{row(button("1"), button("2"), button("3"), button("4"), button("5"), button("6"))}, []string{"components", "0", "components"}, "BASE_TYPE_BAD_LENGTH"},
		{"an empty row", []string{row()}, []string{"components", "0", "components"}, "BASE_TYPE_BAD_LENGTH"},
		{"six rows", []string{row(button("1")), row(button("2")), row(button("3")), row(button("4")), row(button("5")), row(button("6"))}, []string{"components"}, "BASE_TYPE_MAX_LENGTH"},
		{"a button outside a row", []string{button("a")}, []string{"components", "0", "type"}, "UNION_TYPE_CHOICES"},
		{"a duplicate custom_id", []string{row(button("a")), row(button("a"))}, []string{"components", "1", "components", "0", "custom_id"}, "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{"a button without custom_id", []string{row(`{"type":2,"style":4,"label":"x"}`)}, []string{"components", "0", "components", "0", "custom_id"}, "BASE_TYPE_REQUIRED"},
		{"a link without url", []string{row(`{"type":2,"style":5,"label":"x"}`)}, []string{"components", "0", "components", "0", "url"}, "BASE_TYPE_REQUIRED"},
		{"a label over 80", []string{row(`{"type":2,"style":1,"custom_id":"a","label":"` + strings.Repeat("l", 81) + `"}`)}, []string{"components", "0", "components", "0", "label"}, "BASE_TYPE_MAX_LENGTH"},
		{"an unknown style", []string{row(`{"type":2,"style":9,"custom_id":"a","label":"x"}`)}, []string{"components", "0", "components", "0", "style"}, "BASE_TYPE_CHOICES"},
		{"a select beside a button", []string{row(`{"type":3,"custom_id":"s","options":[{}]}`, button("a"))}, []string{"components", "0", "components", "1"}, "COMPONENT_LAYOUT_WIDTH_EXCEEDED"},
	} {
		code, body := send(tc.components...)
		if code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.name, code)
			continue
		}
		if got := formError(t, body, tc.path...); got != tc.want {
			t.Errorf("%s: %s at %v, want %s", tc.name, got, tc.path, tc.want)
		}
	}
}

// TestCallbackTypesValidated: an unknown callback type fails the form, and
// a known one is refused where Discord refuses it (a message update
// answers only a component or a modal submission).
func TestCallbackTypesValidated(t *testing.T) {
	s := New("token")
	t.Cleanup(s.Close)
	newInteraction := func(kind discordgo.InteractionType) string {
		id := s.NewID()
		s.mu.Lock()
		defer s.mu.Unlock()
		in := &interaction{InteractionState: InteractionState{ID: id, Token: "tok-" + id}, kind: kind, created: time.Now()}
		s.interactions[id], s.byToken[in.Token] = in, in
		return id
	}
	callback := func(id, body string) (int, map[string]any) {
		resp, out := do(t, s, "POST", "/interactions/"+id+"/tok-"+id+"/callback", body)
		return resp.StatusCode, out
	}
	if code, body := callback(newInteraction(discordgo.InteractionApplicationCommand), `{"type":3}`); code != http.StatusBadRequest || formError(t, body, "type") != "BASE_TYPE_CHOICES" {
		t.Errorf("type 3: %d %v", code, body)
	}
	if code, _ := callback(newInteraction(discordgo.InteractionApplicationCommand), `{"type":7,"data":{"content":"x"}}`); code != http.StatusBadRequest {
		t.Errorf("an update answering a command: %d, want 400", code)
	}
	if code, _ := callback(newInteraction(discordgo.InteractionApplicationCommand), `{"type":8,"data":{}}`); code != http.StatusBadRequest {
		t.Errorf("autocomplete choices answering a command: %d, want 400", code)
	}
	long := `{"type":4,"data":{"content":"x","components":[{"type":1,"components":[{"type":2,"style":1,"label":"x","custom_id":"` + strings.Repeat("x", 101) + `"}]}]}}`
	if code, body := callback(newInteraction(discordgo.InteractionApplicationCommand), long); code != http.StatusBadRequest ||
		formError(t, body, "data", "components", "0", "components", "0", "custom_id") != "BASE_TYPE_MAX_LENGTH" {
		t.Errorf("a reply with a long custom_id: %d %v", code, body)
	}
	id := newInteraction(discordgo.InteractionMessageComponent)
	if code, body := callback(id, `{"type":7,"data":{"content":"updated"}}`); code != http.StatusNoContent {
		t.Errorf("an update answering a component: %d %v, want 204", code, body)
	}
	if st := s.Interaction(id); len(st.Callbacks) != 1 || st.Original == nil || st.Original.Content != "updated" {
		t.Errorf("state after the update: %+v", st)
	}
}

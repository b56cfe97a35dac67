package console

import (
	"net/http"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	for name, want := range map[string]string{
		"Sam": "sam", "Sam O'Neil": "sam-o-neil", "  Zoë  ": "zoë", "<script>": "script", "!!!": "player",
		strings.Repeat("a", 100): strings.Repeat("a", 60),
	} {
		if got := slug(name); got != want {
			t.Errorf("slug(%q) = %q, want %q", name, got, want)
		}
	}
}

// Without a turn pipeline (a console outside the server) the page says
// so, and nothing can be posted.
func TestPlayWithoutPipeline(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser(t)
	res := b.get("play")
	requireStatus(t, res, http.StatusOK)
	if !strings.Contains(res.body, "plays no turns") || strings.Contains(res.body, `name="message"`) {
		t.Errorf("Play page without a pipeline:\n%s", res.body)
	}
	requireStatus(t, b.post("play", nil), http.StatusNotFound)
}

package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/changes"
	"github.com/mojin/charsim/internal/console"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/turn"
)

// consoleEnv is a server on a real SQLite file with the console mounted,
// behind a real loopback listener (no token: loopback clients are let in).
type consoleEnv struct {
	srv  *Server
	cfg  Config
	http *httptest.Server
}

func newConsoleEnv(t *testing.T, configure ...func(*Config)) *consoleEnv {
	t.Helper()
	cfg := testConfig(t)
	for _, c := range configure {
		c(&cfg)
	}
	srv, h := openWithConsole(t, cfg, slog.LevelWarn)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &consoleEnv{srv: srv, cfg: cfg, http: hs}
}

// openWithConsole opens a server with cfg, closed when the test ends, and
// returns it with its handler, the console mounted at /console/.
func openWithConsole(t *testing.T, cfg Config, level slog.Level) (*Server, http.Handler) {
	t.Helper()
	srv, err := Open(t.Context(), cfg, NewLogger(t.Output(), level))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h, err := srv.HandlerWithConsole(console.Config{Enabled: true, BasePath: "/console/"}, console.NewErrorLog(5))
	if err != nil {
		t.Fatal(err)
	}
	return srv, h
}

// consoleBrowser keeps the session cookie and the CSRF token of the last page.
type consoleBrowser struct {
	t      *testing.T
	e      *consoleEnv
	client *http.Client
	csrf   string
}

var csrfMetaTag = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func (e *consoleEnv) browser(t *testing.T) *consoleBrowser {
	jar, _ := cookiejar.New(nil)
	return &consoleBrowser{t: t, e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *consoleBrowser) do(method, path string, form url.Values, header ...string) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(b.t.Context(), method, b.e.http.URL+"/console/"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if m := csrfMetaTag.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return res.StatusCode, string(raw)
}

// play posts the Play form with the session's CSRF token.
func (b *consoleBrowser) play(form url.Values, header ...string) (int, string) {
	b.t.Helper()
	if b.csrf == "" {
		b.do("GET", "play", nil)
	}
	form.Set("csrf", b.csrf)
	return b.do("POST", "play", form, header...)
}

func (e *consoleEnv) character(t *testing.T, name string) store.Character {
	t.Helper()
	c, err := e.srv.store.CreateCharacter(t.Context(), store.Character{Name: name, Personality: "curious"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A turn played in the console goes through the bot's pipeline: the
// labelled offline reply, both messages logged, the facts remembered, the
// first meeting and the action on the timeline; the name stays in the
// session, and hostile text comes out escaped.
func TestConsolePlaysATurn(t *testing.T) {
	e := newConsoleEnv(t)
	aria := e.character(t, "Aria")
	b := e.browser(t)

	code, page := b.do("GET", "play", nil)
	if code != http.StatusOK || !strings.Contains(page, `name="name"`) || !strings.Contains(page, "offline responder") {
		t.Fatalf("GET play: %d\n%s", code, page)
	}
	hostile := `<img src=x onerror=alert(1)>`
	code, page = b.play(url.Values{"name": {"Sam"}, "character": {aria.ID},
		"message": {"*waves* My sister is called " + hostile + ". Thank you!"}})
	if code != http.StatusOK {
		t.Fatalf("POST play: %d\n%s", code, page)
	}
	for _, want := range []string{"Aria replies", template.HTMLEscapeString(turn.OfflineNotice), "Aria looks at Sam", "Sam meets Aria for the first time.",
		"Sam: *waves*", "&lt;img src=x onerror=alert(1)&gt;", `/console/timeline?channel=console-sam`} {
		if !strings.Contains(page, want) {
			t.Errorf("the turn's page lacks %q", want)
		}
	}
	if strings.Contains(page, hostile) {
		t.Errorf("the page holds the message's markup unescaped")
	}

	ctx := t.Context()
	msgs, err := e.srv.store.RecentMessages(ctx, aria.ID, "console-sam", 0)
	if err != nil || len(msgs) != 2 || msgs[0].Role != turn.RoleUser || msgs[0].UserID != "console-sam" || msgs[1].Role != turn.RoleAssistant {
		t.Fatalf("conversation log %+v (%v), want the message and the reply of console-sam", msgs, err)
	}
	events, err := e.srv.store.ChannelEvents(ctx, "console-sam")
	if err != nil || len(events) < 2 {
		t.Fatalf("timeline %+v (%v), want the meeting and the action", events, err)
	}
	found := false
	for _, ev := range events {
		found = found || (ev.Type == turn.EventUserAction && ev.Description == "Sam: *waves*")
	}
	if !found {
		t.Errorf("timeline %+v has no action event", events)
	}

	// The name is kept: the form shows it, and a turn without it plays as Sam.
	if _, page = b.do("GET", "play?character="+aria.ID, nil); !strings.Contains(page, `value="Sam"`) || !strings.Contains(page, "console-sam") {
		t.Errorf("the Play page forgot the display name:\n%s", page)
	}
	code, page = b.play(url.Values{"character": {aria.ID}, "message": {"Do you remember my sister?"}}, "HX-Request", "true")
	if code != http.StatusOK || strings.Contains(page, "<html") || !strings.Contains(page, "Aria looks at Sam") {
		t.Fatalf("htmx POST play without a name: %d\n%s", code, page)
	}
	if strings.Contains(page, hostile) || !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the recalled memory is not shown escaped:\n%s", page)
	}
	if msgs, _ := e.srv.store.RecentMessages(ctx, aria.ID, "console-sam", 0); len(msgs) != 4 {
		t.Errorf("%d messages logged after two turns, want 4", len(msgs))
	}
}

// With LLM_BASE_URL set, the model writes the reply, told where the
// conversation happens, and the page does not call it offline.
func TestConsolePlaysWithTheLanguageModel(t *testing.T) {
	var system atomic.Value
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) == 0 {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		system.Store(req.Messages[0].Content)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"Aria: Welcome, <b>traveller</b>."}}]}`)
	}))
	t.Cleanup(llm.Close)
	e := newConsoleEnv(t, func(c *Config) {
		c.LLM = turn.LLMConfig{BaseURL: llm.URL + "/v1", Model: "test-model", Timeout: 5 * time.Second}
	})
	aria := e.character(t, "Aria")
	code, page := e.browser(t).play(url.Values{"name": {"Sam"}, "character": {aria.ID}, "message": {"Hello!"}})
	if code != http.StatusOK || !strings.Contains(page, "Welcome, &lt;b&gt;traveller&lt;/b&gt;.") ||
		strings.Contains(page, template.HTMLEscapeString(turn.OfflineNotice)) || !strings.Contains(page, "test-model at") {
		t.Fatalf("POST play with a model: %d\n%s", code, page)
	}
	if s, _ := system.Load().(string); !strings.Contains(s, "the charsim web console with Sam (user ID console-sam)") {
		t.Errorf("system prompt %q does not say where and with whom", s)
	}
}

// Playing is a write: without the CSRF token nothing is played.
func TestConsolePlayNeedsCSRF(t *testing.T) {
	e := newConsoleEnv(t)
	aria := e.character(t, "Aria")
	b := e.browser(t)
	b.do("GET", "play", nil)
	code, _ := b.do("POST", "play", url.Values{"name": {"Sam"}, "character": {aria.ID}, "message": {"hello"}})
	if code != http.StatusForbidden {
		t.Errorf("POST play without a CSRF token: %d, want 403", code)
	}
	if msgs, _ := e.srv.store.RecentMessages(t.Context(), aria.ID, "console-sam", 0); len(msgs) != 0 {
		t.Errorf("a refused turn logged %d messages", len(msgs))
	}
	code, page := b.play(url.Values{"name": {"Sam"}, "character": {"no-such-character"}, "message": {"hello"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "The server refused the turn") {
		t.Errorf("a turn with an unknown character: %d\n%s", code, page)
	}
}

// sseStream reads a console event stream's event names and comments.
type sseStream struct {
	lines chan string
	done  chan struct{}
}

func (b *consoleBrowser) stream(ctx context.Context, path string) *sseStream {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.http.URL+"/console/"+path, nil)
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		b.t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &sseStream{lines: make(chan string, 100), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	s.await(b.t, ": connected", time.Second)
	return s
}

// await waits for a line, failing after d.
func (s *sseStream) await(t *testing.T, want string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case l := <-s.lines:
			if l == want {
				return
			}
		case <-s.done:
			t.Fatalf("the stream ended before %q", want)
		case <-deadline:
			t.Fatalf("no %q on the stream within %s", want, d)
		}
	}
}

// The memories page's stream announces a memory another process writes to
// the same database (a second store handle, as charsimctl would open),
// read from the vector change log; the timeline's, a write of the channel.
func TestConsoleEventsFollowWrites(t *testing.T) {
	e := newConsoleEnv(t)
	aria := e.character(t, "Aria")
	b := e.browser(t)
	b.do("GET", "", nil)
	s := b.stream(t.Context(), "events?channel=tavern")

	other, err := store.Open(t.Context(), "", e.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	mem, err := memory.Open(t.Context(), e.cfg.Memory, other)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	time.Sleep(changes.FollowInterval / 2) // the server has read where the log starts
	if _, err := mem.Remember(t.Context(), store.Memory{CharacterID: aria.ID, Kind: store.KindSemantic, Text: "plays the lute", Importance: 5}); err != nil {
		t.Fatal(err)
	}
	s.await(t, "event: memories", 3*changes.FollowInterval+2*time.Second)

	if _, err := e.srv.store.AddEvent(t.Context(), store.TimelineEvent{ChannelID: "elsewhere", Type: store.EventTypes[0], Description: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.store.AddEvent(t.Context(), store.TimelineEvent{ChannelID: "tavern", Type: store.EventTypes[0], Description: "The door opens."}); err != nil {
		t.Fatal(err)
	}
	s.await(t, "event: timeline", 2*time.Second)
}

// The streams end when the server begins to shut down, so that they do not
// hold a graceful shutdown up.
func TestConsoleEventsEndAtShutdown(t *testing.T) {
	e := newConsoleEnv(t)
	b := e.browser(t)
	b.do("GET", "", nil)
	s := b.stream(t.Context(), "events")
	e.srv.BeginShutdown()
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
		t.Fatal("the event stream is still open after BeginShutdown")
	}
}

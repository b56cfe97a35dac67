package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// env is a console on a real SQLite store file with the real memory
// service (builtin embedder, embedded vectors), behind a real listener.
type env struct {
	console *Console
	store   store.Store
	memory  *memory.Service
	server  *httptest.Server
	errors  *ErrorLog
}

func newEnv(t *testing.T, token string) *env {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := memory.LoadConfig(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("memory config: %v", err)
	}
	mem, err := memory.Open(ctx, cfg, st)
	if err != nil {
		t.Fatalf("open memory: %v", err)
	}
	t.Cleanup(func() { mem.Close() })
	errs := NewErrorLog(10)
	c, err := New(Config{Enabled: true, BasePath: DefaultBasePath}, Deps{
		Store: st, Memory: mem, AuthToken: token, Version: "v-test", Errors: errs,
		Health: func(context.Context) []Dependency {
			return []Dependency{{Name: st.Backend(), OK: st.Ping(ctx) == nil}}
		},
		Logger: slog.New(errs.Handler(slog.NewTextHandler(t.Output(), nil))),
	})
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &env{console: c, store: st, memory: mem, server: srv, errors: errs}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
type browser struct {
	t    *testing.T
	e    *env
	http *http.Client
	csrf string
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// response is a read response.
type response struct {
	*http.Response
	body string
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read: %v", req.Method, req.URL, err)
	}
	if m := csrfMeta.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return response{Response: res, body: string(body)}
}

// get loads a console path (below the base path) as a full page.
func (b *browser) get(path string, header ...string) response {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(b.t.Context(), http.MethodGet, b.e.server.URL+DefaultBasePath+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// post submits a form with the session's CSRF token (loading the overview
// first when no page was loaded yet).
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if b.csrf == "" {
		b.get("")
	}
	if form == nil {
		form = url.Values{}
	}
	if !form.Has(csrfField) {
		form.Set(csrfField, b.csrf)
	}
	return b.postRaw(path, form)
}

// postRaw submits a form as it is.
func (b *browser) postRaw(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(b.t.Context(), http.MethodPost, b.e.server.URL+DefaultBasePath+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// requireStatus fails unless the response has the code.
func requireStatus(t *testing.T, r response, code int) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, code, clipText(r.body, 2000))
	}
}

// must returns v or fails the test.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// memoryRowT is a recall result.
type memoryRowT = memory.Recalled

func recallQuery(characterID, text string) memory.Query {
	return memory.Query{Text: text, Filter: memory.Filter{CharacterID: characterID}, Limit: 10}
}

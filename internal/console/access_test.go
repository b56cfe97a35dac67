package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func TestTokenLoginRequiredAndSessionCookie(t *testing.T) {
	e := newEnv(t, "s3cret-token")
	b := e.browser(t)

	res := b.get("characters")
	requireStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != DefaultBasePath+"login" {
		t.Fatalf("without a session: Location %q, want the login page", loc)
	}
	// htmx gets a full-page redirect instead, not a login form inside #main.
	res = b.get("characters", "HX-Request", "true")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("HX-Redirect") != DefaultBasePath+"login" {
		t.Fatalf("htmx without a session: %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}

	requireStatus(t, b.get("login"), http.StatusOK)
	res = b.post("login", url.Values{"token": {"wrong"}})
	requireStatus(t, res, http.StatusUnauthorized)
	if !strings.Contains(res.body, "token: that is not the MCP_AUTH_TOKEN") {
		t.Fatalf("wrong token: the page does not say so:\n%s", res.body)
	}
	requireStatus(t, b.get("characters"), http.StatusSeeOther)

	anonymous := b.http.Jar.Cookies(must[*url.URL](t)(url.Parse(e.server.URL + DefaultBasePath)))[0].Value
	res = b.post("login", url.Values{"token": {"s3cret-token"}})
	requireStatus(t, res, http.StatusSeeOther)
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == cookieName {
			cookie = c
		}
	}
	switch {
	case cookie == nil:
		t.Fatal("login set no session cookie")
	case !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != DefaultBasePath:
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=%s", cookie, DefaultBasePath)
	case cookie.Secure:
		t.Fatal("session cookie is Secure on plain HTTP without X-Forwarded-Proto: the browser would drop it")
	case cookie.Value == anonymous:
		t.Fatal("login kept the session ID from before it (session fixation)")
	}
	requireStatus(t, b.get("characters"), http.StatusOK)

	// The anonymous session from before the login is worth nothing.
	old := e.browser(t)
	old.http.Jar.SetCookies(must[*url.URL](t)(url.Parse(e.server.URL+DefaultBasePath)), []*http.Cookie{{Name: cookieName, Value: anonymous}})
	requireStatus(t, old.get("characters"), http.StatusSeeOther)

	requireStatus(t, b.post("logout", nil), http.StatusSeeOther)
	requireStatus(t, b.get("characters"), http.StatusSeeOther)
}

func TestCookieSecureBehindTLSProxy(t *testing.T) {
	e := newEnv(t, "tok")
	req := httptest.NewRequest(http.MethodGet, DefaultBasePath+"login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	e.console.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].Secure {
		t.Fatalf("behind a TLS proxy: cookies %+v, want one Secure session cookie", cookies)
	}
}

func TestWithoutTokenOnlyLoopback(t *testing.T) {
	e := newEnv(t, "")
	for _, remote := range []string{"203.0.113.7:40000", "[2001:db8::1]:40000", "10.0.0.5:1234"} {
		for _, path := range []string{"", "characters", "static/console.css", "login"} {
			req := httptest.NewRequest(http.MethodGet, DefaultBasePath+path, nil)
			req.RemoteAddr = remote
			// What the client says about itself does not count.
			req.Header.Set("X-Forwarded-For", "127.0.0.1")
			rec := httptest.NewRecorder()
			e.console.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != http.StatusForbidden || !strings.Contains(body, "only loopback clients") || strings.Count(strings.TrimSpace(body), "\n") != 0 {
				t.Fatalf("GET %s from %s: %d %q, want 403 with a one-line reason", path, remote, rec.Code, body)
			}
		}
	}
	for _, remote := range []string{"127.0.0.1:5000", "[::1]:5000", "127.8.9.10:1"} {
		req := httptest.NewRequest(http.MethodGet, DefaultBasePath+"characters", nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		e.console.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET characters from %s: %d, want 200 (loopback, no login)", remote, rec.Code)
		}
	}
	// With a token, other hosts may log in.
	withToken := newEnv(t, "tok")
	req := httptest.NewRequest(http.MethodGet, DefaultBasePath+"login", nil)
	req.RemoteAddr = "203.0.113.7:40000"
	rec := httptest.NewRecorder()
	withToken.console.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("login page from another host with a token set: %d, want 200", rec.Code)
	}
}

func TestCSRFRefusedOnEveryPost(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser(t)
	b.get("")
	for _, rt := range routes {
		if rt.method != http.MethodPost {
			continue
		}
		path := strings.NewReplacer("{id}", "x").Replace(rt.path)
		for name, form := range map[string]url.Values{
			"none":  {"name": {"Mallory"}},
			"wrong": {"name": {"Mallory"}, csrfField: {"forged"}},
		} {
			res := b.postRaw(path, form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "CSRF") {
				t.Fatalf("POST %s with %s CSRF token: %d %q, want 403 naming CSRF", path, name, res.StatusCode, res.body)
			}
		}
	}
	// The header htmx sends (static/console.js) is accepted.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.server.URL+DefaultBasePath+"characters", strings.NewReader("name=Ada"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(csrfHeader, b.csrf)
	req.Header.Set("HX-Request", "true")
	res := b.do(req)
	if res.StatusCode != http.StatusNoContent || !strings.Contains(res.Header.Get("HX-Location"), "/characters/") {
		t.Fatalf("htmx POST with the CSRF header: %d, HX-Location %q", res.StatusCode, res.Header.Get("HX-Location"))
	}
	chars := must[[]store.Character](t)(e.store.ListCharacters(t.Context()))
	if len(chars) != 1 || chars[0].Name != "Ada" {
		t.Fatalf("characters = %+v, want only Ada (no forged write stored)", chars)
	}
	// Another session's token does not work in this one.
	other := e.browser(t)
	other.get("")
	res = b.postRaw("characters", url.Values{"name": {"Eve"}, csrfField: {other.csrf}})
	requireStatus(t, res, http.StatusForbidden)
}

func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser(t)
	b.get("")
	for _, rt := range routes {
		path := strings.NewReplacer("{$}", "", "{id}", "none").Replace(rt.path)
		var res response
		if rt.method == http.MethodGet {
			res = b.get(path)
		} else {
			res = b.post(path, nil)
		}
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") ||
			strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s %s: CSP %q", rt.method, path, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Fatalf("%s %s: headers %v", rt.method, path, h)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s: %d\n%s", rt.method, path, res.StatusCode, res.body)
		}
	}
	// The static files and an unknown path too.
	for _, path := range []string{"static/console.css", "static/vendor/htmx-2.0.11.min.js", "no-such-page"} {
		if res := b.get(path); res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("GET %s: %d without the security headers", path, res.StatusCode)
		}
	}
}

// No page may carry inline script or style, which the CSP would block.
func TestNoInlineScriptOrStyle(t *testing.T) {
	e := newEnv(t, "")
	seed(t, e)
	b := e.browser(t)
	for _, path := range []string{"", "characters", "timeline", "timeline?channel=tavern", "memories", "relationships", "transfer"} {
		res := b.get(path)
		requireStatus(t, res, http.StatusOK)
		for _, bad := range []string{"<script>", "style=", "<style", "onclick=", "onload=", "javascript:"} {
			if strings.Contains(res.body, bad) {
				t.Fatalf("GET %s holds %q, which the CSP forbids", path, bad)
			}
		}
	}
}

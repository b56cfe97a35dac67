package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// cookieName is the session cookie's name.
const cookieName = "charsim_console"

// csrfField is the form field, and csrfHeader the header htmx sends (see
// static/console.js), that carry the CSRF token.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// loopbackOnly is the one-line reason a non-loopback client gets without a token.
const loopbackOnly = "403 forbidden: the console answers only loopback clients while MCP_AUTH_TOKEN is not set; set it to log in from elsewhere\n"

type sessionKey struct{}

// sessionOf is the request's session, set by access.
func sessionOf(r *http.Request) session {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return s
}

// isLoopback reports whether the TCP peer is on this host. Only the peer
// address counts: X-Forwarded-For is whatever the client says.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// secureRequest reports whether the browser reached us over TLS, directly
// or through a proxy that terminated it.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// tokenMatches compares a submitted token with the configured one in
// constant time (digests, so the length leaks nothing either).
func (c *Console) tokenMatches(submitted string) bool {
	got := sha256.Sum256([]byte(strings.TrimSpace(submitted)))
	return subtle.ConstantTimeCompare(got[:], c.tokenDigest[:]) == 1
}

func (c *Console) setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id, Path: c.base,
		MaxAge: int(sessionTTL.Seconds()), HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

func (c *Console) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: c.base,
		MaxAge: -1, HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
}

// currentSession finds the request's live session, or starts one: an
// authenticated one for a loopback client when there is no token, an
// anonymous one (for the login form's CSRF token) otherwise.
func (c *Console) currentSession(w http.ResponseWriter, r *http.Request) session {
	if ck, err := r.Cookie(cookieName); err == nil {
		if s, ok := c.sessions.get(ck.Value); ok {
			return s
		}
	}
	s := c.sessions.create(!c.requiresLogin())
	c.setSessionCookie(w, r, s.id)
	return s
}

// requiresLogin is true when a token is configured.
func (c *Console) requiresLogin() bool { return c.hasToken }

// access guards every console route but the static files: it refuses
// non-loopback clients when there is no token, sends anonymous sessions to
// the login page when there is one, and checks the CSRF token of every
// POST. public routes (the login form) need no authenticated session.
func (c *Console) access(public bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.requiresLogin() && !isLoopback(r.RemoteAddr) {
			http.Error(w, strings.TrimSuffix(loopbackOnly, "\n"), http.StatusForbidden)
			return
		}
		s := c.currentSession(w, r)
		if r.Method == http.MethodPost && !c.csrfValid(r, s) {
			http.Error(w, "403 forbidden: missing or invalid CSRF token; reload the page and try again", http.StatusForbidden)
			return
		}
		if !public && !s.authenticated {
			c.fullRedirect(w, r, c.base+"login")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

// csrfValid compares the request's CSRF token, from the form or the
// header, with the session's.
func (c *Console) csrfValid(r *http.Request, s session) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		// ParseMultipartForm also reads url-encoded bodies; the limit
		// bounds an upload (see maxUploadBytes).
		r.Body = http.MaxBytesReader(nil, r.Body, maxUploadBytes)
		if err := r.ParseMultipartForm(maxUploadBytes); err != nil && err != http.ErrNotMultipart {
			return false
		}
		got = r.PostFormValue(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

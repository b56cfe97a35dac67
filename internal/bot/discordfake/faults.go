package discordfake

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is how the emulator fails a request on purpose.
type Fault int

const (
	// FaultServerError answers HTTP 500, which discordgo does not retry.
	FaultServerError Fault = iota
	// FaultDrop closes the connection without an answer, as a network
	// failure does: the client's error is a transport error naming the URL.
	FaultDrop
	// faultRateLimit answers 429 Too Many Requests (see RateLimitNext).
	faultRateLimit
)

// fault is a pending failure of the requests that match it.
type fault struct {
	method, path string // path: a substring of the request path
	left         int
	kind         Fault
	retryAfter   time.Duration // of a rate limit
	global       bool          // the rate limit is the global one
}

// limit is a rate limit in force: until reset, Discord answers 429 again
// to every request it covers, and counts it as an invalid request (10,000
// of them in 10 minutes get the IP banned for an hour).
type limit struct {
	method, path string // the route; both empty for the global limit
	bucket       string
	reset        time.Time
	global       bool
}

func (l limit) covers(r *http.Request) bool {
	if l.global {
		// Interaction callbacks and their webhooks are not bound to the
		// global rate limit.
		return !strings.Contains(r.URL.Path, "/interactions/") && !strings.Contains(r.URL.Path, "/webhooks/")
	}
	return l.method == r.Method && strings.Contains(r.URL.Path, l.path)
}

// RateLimitNext makes the next n requests with method whose path contains
// path answered 429 Too Many Requests, as Discord answers a route (or,
// with global, every route but interaction responses) whose limit is
// spent: X-RateLimit-* headers, Retry-After, and a JSON body with
// retry_after (seconds) and global. Until retryAfter has passed, every
// request the limit covers is refused the same way and counted by
// RateLimitViolations: a client must wait.
func (s *Server) RateLimitNext(method, path string, n int, retryAfter time.Duration, global bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, &fault{method: method, path: path, left: n, kind: faultRateLimit, retryAfter: retryAfter, global: global})
}

// RateLimited counts the requests answered 429 on purpose (RateLimitNext).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// RateLimitViolations counts the requests that came while a rate limit
// they were told about was in force: each is one Discord counts against
// the client.
func (s *Server) RateLimitViolations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// writeRateLimit answers 429 for l as Discord does.
func writeRateLimit(w http.ResponseWriter, l limit) {
	after := max(time.Until(l.reset), 0)
	secs := after.Seconds()
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(l.reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", l.bucket)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	scope := "user"
	if l.global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": math.Round(secs*1000) / 1000, "global": l.global,
	})
}

// FailNext makes the next n requests with method whose path contains path
// fail with kind, for example FailNext("DELETE", "/messages/@original", 1,
// FaultServerError).
func (s *Server) FailNext(method, path string, n int, kind Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, &fault{method: method, path: path, left: n, kind: kind})
}

// faults fails the requests that a pending fault matches.
func (s *Server) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := s.limited(r); ok {
			writeRateLimit(w, l)
			return
		}
		if f, ok := s.takeFault(r); ok {
			switch f.kind {
			case faultRateLimit:
				writeRateLimit(w, s.startLimit(r, f))
			case FaultDrop:
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						_ = conn.Close()
						return
					}
				}
				fallthrough // cannot hijack: fail the plain way
			default:
				writeError(w, http.StatusInternalServerError, 0, "500: Internal Server Error")
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) takeFault(r *http.Request) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.pending {
		if f.method == r.Method && strings.Contains(r.URL.Path, f.path) {
			if f.left--; f.left == 0 {
				s.pending = append(s.pending[:i], s.pending[i+1:]...)
			}
			return *f, true
		}
	}
	return fault{}, false
}

// limited finds a rate limit in force that covers r, and counts r as a
// violation of it.
func (s *Server) limited(r *http.Request) (limit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	live := s.limits[:0]
	for _, l := range s.limits {
		if now.Before(l.reset) {
			live = append(live, l)
		}
	}
	s.limits = live
	for _, l := range s.limits {
		if l.covers(r) {
			s.violations++
			s.notify()
			return l, true
		}
	}
	return limit{}, false
}

// startLimit puts the rate limit of fault f, met by r, in force.
func (s *Server) startLimit(r *http.Request, f fault) limit {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := limit{reset: time.Now().Add(f.retryAfter), global: f.global, bucket: fmt.Sprintf("bucket-%x", len(s.limits)+s.rateLimited)}
	if !f.global {
		l.method, l.path = r.Method, f.path
	}
	s.limits = append(s.limits, l)
	s.rateLimited++
	s.notify()
	return l
}

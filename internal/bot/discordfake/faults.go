package discordfake

import (
	"net/http"
	"strings"
)

// Fault is how the emulator fails a request on purpose.
type Fault int

const (
	// FaultServerError answers HTTP 500, which discordgo does not retry.
	FaultServerError Fault = iota
	// FaultDrop closes the connection without an answer, as a network
	// failure does: the client's error is a transport error naming the URL.
	FaultDrop
)

// fault is a pending failure of the requests that match it.
type fault struct {
	method, path string // path: a substring of the request path
	left         int
	kind         Fault
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
		if f, ok := s.takeFault(r); ok {
			switch f {
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

func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.pending {
		if f.method == r.Method && strings.Contains(r.URL.Path, f.path) {
			if f.left--; f.left == 0 {
				s.pending = append(s.pending[:i], s.pending[i+1:]...)
			}
			return f.kind, true
		}
	}
	return 0, false
}

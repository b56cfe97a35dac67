package mcpserver

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The console shares the server's mux: probes stay open, /mcp keeps its
// bearer token, and the console asks for a login of its own.
func TestConsoleMountedBesideMCPAndProbes(t *testing.T) {
	cfg := testConfig(t)
	cfg.AuthToken = "tok"
	_, h := openWithConsole(t, cfg, slog.LevelDebug)
	for _, tc := range []struct {
		method, path string
		code         int
		location     string
	}{
		{"GET", "/healthz", http.StatusOK, ""},
		{"GET", "/readyz", http.StatusOK, ""},
		{"POST", "/mcp", http.StatusUnauthorized, ""},
		{"GET", "/console/", http.StatusSeeOther, "/console/login"},
		{"GET", "/console/login", http.StatusOK, ""},
		{"GET", "/console", http.StatusMovedPermanently, "/console/"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.RemoteAddr = "203.0.113.9:5555"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.code || rec.Header().Get("Location") != tc.location {
			t.Errorf("%s %s: %d Location %q, want %d %q", tc.method, tc.path, rec.Code, rec.Header().Get("Location"), tc.code, tc.location)
		}
	}
}

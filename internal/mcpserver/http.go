package mcpserver

import (
	"encoding/json"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Handler serves the MCP endpoint at /mcp (streamable HTTP, behind the bearer
// token when one is configured) and the open probes /healthz and /readyz.
//
// The MCP endpoint is stateless: the server keeps no per-client session, so a
// client keeps working across server restarts and replicas, and every tool
// call stands alone.
func (s *Server) Handler() http.Handler {
	streamable := mcp.NewStreamableHTTPHandler(
		func(*http.Request) *mcp.Server { return s.mcp },
		&mcp.StreamableHTTPOptions{Stateless: true, Logger: sdkLogger(s.logger)},
	)
	mux := http.NewServeMux()
	mux.Handle("/mcp", requireToken(string(s.authToken), streamable))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.serveReadiness)
	return mux
}

// readiness is the /readyz body.
type readiness struct {
	Status       string             `json:"status"`
	Dependencies []dependencyStatus `json:"dependencies"`
}

// serveReadiness answers 200 when every dependency answers, else 503 with the
// failing ones named and why. Redis counts: the server works without it, but
// a configured Redis that is down is an operational problem to surface.
func (s *Server) serveReadiness(w http.ResponseWriter, r *http.Request) {
	deps := s.checkDependencies(r.Context(), true)
	body, code := readiness{Status: "ready", Dependencies: deps}, http.StatusOK
	for _, d := range deps {
		if d.Error != "" {
			body.Status, code = "unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

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
	mux.HandleFunc("GET /avatars/{file}", s.serveAvatar) // public: Discord fetches webhook avatars itself
	return mux
}

// readiness is the /readyz body.
type readiness struct {
	Status       string             `json:"status"`
	Dependencies []dependencyStatus `json:"dependencies"`
}

// serveReadiness answers 503 when a required dependency (the SQL store, the
// vector store) fails, with the failing ones named and why. A configured
// Redis that is down is reported (status "degraded", 200) but does not make
// the server unready: the tools work without it, and an unready server
// drops out of its Service, which would cut the bot and every client off
// at each Redis restart.
func (s *Server) serveReadiness(w http.ResponseWriter, r *http.Request) {
	deps := s.checkDependencies(r.Context(), true)
	body, code := readiness{Status: "ready", Dependencies: deps}, http.StatusOK
	for _, d := range deps {
		switch {
		case d.Error == "":
		case d.Optional && code == http.StatusOK:
			body.Status = "degraded"
		case !d.Optional:
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

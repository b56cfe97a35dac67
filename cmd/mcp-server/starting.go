package main

import (
	"encoding/json"
	"net/http"
	"sync"
)

// startingHandler answers while the server waits for its dependencies:
// /healthz is alive, /readyz is 503 naming what it waits for, and every
// other path (/mcp) is 503 with a Retry-After.
type startingHandler struct {
	mu      sync.Mutex
	waiting string
}

// wait records the last reason the dependencies could not be opened.
func (h *startingHandler) wait(err error) {
	h.mu.Lock()
	h.waiting = err.Error()
	h.mu.Unlock()
}

func (h *startingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	waiting := h.waiting
	h.mu.Unlock()
	body := map[string]string{"status": "starting"}
	code := http.StatusServiceUnavailable
	switch r.URL.Path {
	case "/healthz":
		code = http.StatusOK
	case "/readyz":
		if waiting != "" {
			body["waiting_for"] = waiting
		}
	default:
		w.Header().Set("Retry-After", "2")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body) // the client went away; nothing to do
}

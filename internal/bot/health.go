package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mojin/charsim/internal/version"
)

// defaultGatewayGrace is how long the gateway may be down (including the
// first connection at start) before /healthz fails and the orchestrator
// restarts the bot. discordgo reconnects by itself; this catches when it
// cannot.
const defaultGatewayGrace = 3 * time.Minute

// checkTimeout bounds each dependency check of /readyz and /status.
const checkTimeout = 5 * time.Second

// Handler serves /healthz (liveness: the gateway connection), /readyz (the
// gateway, the MCP server and Redis) and /metrics (Prometheus).
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", b.serveHealth)
	mux.HandleFunc("GET /readyz", b.serveReadiness)
	mux.Handle("GET /metrics", b.metrics.handler())
	return mux
}

type healthBody struct {
	Status  string        `json:"status"`
	Version string        `json:"version"`
	Gateway gatewayStatus `json:"gateway"`
}

func (b *Bot) serveHealth(w http.ResponseWriter, _ *http.Request) {
	gw := b.gateway.status()
	body, code := healthBody{Status: "ok", Version: version.Version, Gateway: gw}, http.StatusOK
	if gw.Error != "" {
		body.Status, code = "gateway refused the bot: "+gw.Error, http.StatusServiceUnavailable
	} else if !gw.Connected && time.Since(gw.Since) > b.gatewayGrace {
		body.Status, code = "gateway disconnected since "+gw.Since.UTC().Format(time.RFC3339), http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

// checkResult is the outcome of one dependency check.
type checkResult struct {
	Name    string        `json:"name"`
	OK      bool          `json:"ok"`
	Detail  string        `json:"detail"`
	Latency time.Duration `json:"latency_ns"`
}

type readinessBody struct {
	Status       string        `json:"status"`
	Gateway      gatewayStatus `json:"gateway"`
	Dependencies []checkResult `json:"dependencies"`
}

// serveReadiness answers 200 when the gateway is connected and the MCP
// server and Redis (when configured) answer, else 503 naming what fails.
func (b *Bot) serveReadiness(w http.ResponseWriter, r *http.Request) {
	body := readinessBody{Status: "ready", Gateway: b.gateway.status(), Dependencies: b.checkDependencies(r.Context(), false)}
	code := http.StatusOK
	if !body.Gateway.Connected {
		body.Status, code = "gateway not connected", http.StatusServiceUnavailable
		if body.Gateway.Error != "" {
			body.Status = "gateway refused the bot: " + body.Gateway.Error
		}
	}
	for _, d := range body.Dependencies {
		if !d.OK {
			body.Status, code = d.Name+" unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, body)
}

type dependencyCheck struct {
	name  string
	check func(context.Context) (detail string, err error)
}

// dependencies lists what the bot talks to; the language model only when
// asked for (it is no readiness condition: an outage shows per turn).
func (b *Bot) dependencies(withLLM bool) []dependencyCheck {
	deps := []dependencyCheck{{name: "mcp-server", check: func(ctx context.Context) (string, error) {
		all, err := b.mcp.ListCharacters(ctx)
		return fmt.Sprintf("%d characters", len(all)), err
	}}}
	if b.redis != nil {
		deps = append(deps, dependencyCheck{name: "redis", check: func(ctx context.Context) (string, error) {
			return "rate limits and active characters", b.redis.Ping(ctx).Err()
		}})
	}
	if withLLM {
		deps = append(deps, dependencyCheck{name: "llm", check: func(ctx context.Context) (string, error) {
			if b.chat == nil {
				return "offline responder (LLM_BASE_URL not set)", nil
			}
			return "model " + b.cfg.LLM.Model, b.chat.Ping(ctx)
		}})
	}
	return deps
}

// checkDependencies runs the checks concurrently, each with a deadline.
func (b *Bot) checkDependencies(ctx context.Context, withLLM bool) []checkResult {
	deps := b.dependencies(withLLM)
	out := make([]checkResult, len(deps))
	var wg sync.WaitGroup
	for i, d := range deps {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			start := time.Now()
			detail, err := d.check(ctx)
			out[i] = checkResult{Name: d.name, OK: err == nil, Detail: detail, Latency: time.Since(start)}
			if err != nil {
				out[i].Detail = err.Error()
			}
		})
	}
	wg.Wait()
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

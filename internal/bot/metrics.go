package bot

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mojin/charsim/internal/turn"
)

// metrics are the bot's Prometheus metrics, on a registry of its own.
type metrics struct {
	registry    *prometheus.Registry
	handled     *prometheus.CounterVec
	commands    *prometheus.CounterVec
	errors      *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	llmLatency  *prometheus.HistogramVec
	turnLatency prometheus.Histogram
	gateway     prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "charsim_bot_messages_handled_total",
			Help: "Messages to characters answered, by source (slash: /talk, mention: a mention or DM).",
		}, []string{"source"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "charsim_bot_commands_total",
			Help: "Slash commands and buttons received, by command.",
		}, []string{"command"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "charsim_bot_errors_total",
			Help: "Requests that failed, by kind (user, unknown_character, mcp_tool, mcp_auth, mcp_unavailable, llm_timeout, llm, timeout, internal, discord).",
		}, []string{"kind"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "charsim_bot_rate_limited_total",
			Help: "Requests refused by a rate limit, by scope (user, channel).",
		}, []string{"scope"}),
		llmLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "charsim_bot_llm_request_duration_seconds",
			Help:    "Duration of chat completion requests, by outcome (ok, timeout, error).",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120},
		}, []string{"outcome"}),
		turnLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "charsim_bot_turn_duration_seconds",
			Help:    "Duration of whole conversational turns (context, reply, bookkeeping).",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60},
		}),
		gateway: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "charsim_bot_gateway_connected",
			Help: "1 while the Discord gateway connection is up.",
		}),
	}
	m.registry.MustRegister(m.handled, m.commands, m.errors, m.rateLimited, m.llmLatency, m.turnLatency, m.gateway,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeLLM(d time.Duration, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, turn.ErrLLMTimeout):
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	m.llmLatency.WithLabelValues(outcome).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Command mcp-server serves charsim characters, memories and timelines over
// the Model Context Protocol: streamable HTTP at /mcp (with /healthz and
// /readyz) or, with --stdio, one session on stdin/stdout. With no
// configuration it listens on :8000 and keeps its data in SQLite under
// ./character_data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mojin/charsim/internal/console"
	"github.com/mojin/charsim/internal/healthcheck"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/version"
)

// recentErrorLines is how many error log records the console keeps.
const recentErrorLines = 50

// shutdownTimeout bounds how long in-flight requests may finish after SIGTERM.
const shutdownTimeout = 15 * time.Second

// Retries of opening the dependencies at start back off from openRetryMin
// to openRetryMax.
const (
	openRetryMin = time.Second
	openRetryMax = 30 * time.Second
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "mcp-server:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg, err := mcpserver.LoadConfig(args, os.LookupEnv, stderr)
	if err != nil {
		return err
	}
	if cfg.ShowVersion {
		_, err := fmt.Fprintln(stdout, version.Version)
		return err
	}
	if cfg.HealthCheck {
		url, err := healthcheck.URL(cfg.ListenAddr, "/readyz")
		if err != nil {
			return err
		}
		return healthcheck.Probe(context.Background(), url)
	}
	// The console's Overview shows the recent errors of this log.
	recentErrors := console.NewErrorLog(recentErrorLines)
	logger := slog.New(recentErrors.Handler(mcpserver.NewLogger(stderr, cfg.LogLevel).Handler()))
	// Libraries that log through slog's default (the Qdrant client warns
	// there about an API key without TLS) then write the same JSON lines.
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	logger.Info("starting charsim MCP server", "version", version.Version, "config", cfg)
	if cfg.Stdio {
		// A desktop client starts this process and sees its exit: fail fast.
		srv, err := mcpserver.Open(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer closeServer(srv, logger)
		return srv.ServeStdio(ctx)
	}
	return serveHTTPWhenOpen(ctx, cfg, logger, recentErrors)
}

// serveHTTPWhenOpen listens at once and opens the server's dependencies in
// the background, retrying with back-off: PostgreSQL or Qdrant not
// reachable yet is the normal case while their pods start, and exiting
// would put the pod into a crash-loop back-off of up to five minutes.
// Meanwhile /healthz answers (so liveness never kills a long migration) and
// /readyz says what the server waits for.
func serveHTTPWhenOpen(ctx context.Context, cfg mcpserver.Config, logger *slog.Logger, recentErrors *console.ErrorLog) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	starting := &startingHandler{}
	var current atomic.Pointer[http.Handler]
	current.Store(new(http.Handler(starting)))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) })

	opened := make(chan *mcpserver.Server, 1)
	go func() {
		srv := openWithRetry(ctx, cfg, logger, starting)
		if srv != nil {
			// The console's event streams end when the shutdown begins,
			// or they would hold the graceful shutdown up to its timeout.
			context.AfterFunc(ctx, srv.BeginShutdown)
			current.Store(new(serverHandler(srv, cfg, logger, recentErrors)))
			logger.Info("ready: every dependency is open")
		}
		opened <- srv
	}()
	err := serveHTTP(ctx, cfg.ListenAddr, handler, logger)
	cancel()
	if srv := <-opened; srv != nil {
		closeServer(srv, logger)
	}
	return err
}

// openWithRetry opens the server until it succeeds or ctx ends (then nil).
func openWithRetry(ctx context.Context, cfg mcpserver.Config, logger *slog.Logger, starting *startingHandler) *mcpserver.Server {
	delay := openRetryMin
	for {
		srv, err := mcpserver.Open(ctx, cfg, logger)
		if err == nil {
			return srv
		}
		if ctx.Err() != nil {
			return nil
		}
		starting.wait(err)
		logger.Warn("a dependency is not reachable yet; retrying", "error", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, openRetryMax)
	}
}

// serverHandler is the server's handler with the web console, unless
// CONSOLE_ENABLED=false. A console that cannot start leaves MCP serving.
func serverHandler(srv *mcpserver.Server, cfg mcpserver.Config, logger *slog.Logger, recentErrors *console.ErrorLog) http.Handler {
	if !cfg.Console.Enabled {
		return srv.Handler()
	}
	h, err := srv.HandlerWithConsole(cfg.Console, recentErrors)
	if err != nil {
		logger.Error("the web console is off", "error", err)
		return srv.Handler()
	}
	logger.Info("serving the web console", "path", cfg.Console.BasePath)
	return h
}

func closeServer(srv *mcpserver.Server, logger *slog.Logger) {
	if err := srv.Close(); err != nil {
		logger.Error("close", "error", err)
	}
}

// serveHTTP serves until ctx ends, then lets in-flight requests finish.
func serveHTTP(ctx context.Context, addr string, handler http.Handler, logger *slog.Logger) error {
	hs := &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	failed := make(chan error, 1)
	go func() { failed <- hs.ListenAndServe() }()
	logger.Info("serving MCP over HTTP", "addr", addr, "endpoint", "/mcp")

	select {
	case err := <-failed:
		return fmt.Errorf("serve HTTP on %s: %w", addr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		// Long-lived streams (an open SSE response) do not end by themselves.
		logger.Warn("graceful shutdown incomplete; closing connections", "error", err)
		return hs.Close()
	}
	return nil
}

package console

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mojin/charsim/internal/changes"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/turn"
)

// Dependency is the health of one thing the server needs, as /readyz reports it.
type Dependency struct {
	Name     string
	OK       bool
	Optional bool
	Error    string
}

// Deps is what the console works on: the MCP server's own store and memory
// service (same process, same data), and how to describe the server.
type Deps struct {
	Store  store.Store
	Memory *memory.Service
	// AuthToken is MCP_AUTH_TOKEN; empty means loopback clients only.
	AuthToken string
	// Version is the server's version, shown on the Overview.
	Version string
	// Health checks the server's dependencies (the /readyz checks).
	Health func(context.Context) []Dependency
	// Errors holds the recent error log records; nil shows none.
	Errors *ErrorLog
	Logger *slog.Logger
	// Turns plays the Play page's turns: the same pipeline as the Discord
	// bot's, over an MCP session of the server. Nil turns the page off.
	Turns *turn.Pipeline
	// Responder says who writes the replies (a model, or the offline
	// responder), for the Play page.
	Responder string
	// Changes is the server's change feed, which the live updates follow;
	// nil sends none.
	Changes *changes.Feed
	// Done is closed when the server shuts down: the event streams end.
	Done <-chan struct{}
	// ImportCard creates a character from an uploaded card file (the
	// Characters page's upload); nil turns the upload off.
	ImportCard CardImporter
}

// Console is the web console's HTTP handler.
type Console struct {
	deps        Deps
	base        string
	hasToken    bool
	tokenDigest [sha256.Size]byte
	sessions    *sessions
	pages       *pages
	mux         *http.ServeMux
	// heartbeat is the event streams' heartbeat interval; zero is
	// sseHeartbeat (tests shorten it).
	heartbeat time.Duration
}

// New returns the console served under cfg.BasePath.
func New(cfg Config, deps Deps) (*Console, error) {
	base, err := normaliseBasePath(cfg.BasePath)
	if err != nil {
		return nil, fmt.Errorf("console: CONSOLE_BASE_PATH: %w", err)
	}
	if deps.Store == nil || deps.Memory == nil {
		return nil, fmt.Errorf("console: a store and a memory service are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Health == nil {
		deps.Health = func(context.Context) []Dependency { return nil }
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c := &Console{
		deps: deps, base: base, hasToken: deps.AuthToken != "",
		tokenDigest: sha256.Sum256([]byte(deps.AuthToken)),
		sessions:    newSessions(), pages: pages, mux: http.NewServeMux(),
	}
	c.registerRoutes()
	return c, nil
}

// BasePath is the path the console is served under, e.g. "/console/".
func (c *Console) BasePath() string { return c.base }

// ServeHTTP sets the security headers on every response, then routes.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	c.mux.ServeHTTP(w, r)
}

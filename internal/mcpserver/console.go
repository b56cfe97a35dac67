package mcpserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/mojin/charsim/internal/console"
	"github.com/mojin/charsim/internal/turn"
	"github.com/mojin/charsim/internal/version"
)

// HandlerWithConsole is Handler with the web console mounted at
// cfg.BasePath, on the server's own store and memory service. errs holds
// the recent error log records the console's Overview shows. The Play page
// plays turns through an in-process MCP session of this server, the live
// updates follow its change feed, and both end at BeginShutdown.
func (s *Server) HandlerWithConsole(cfg console.Config, errs *console.ErrorLog) (http.Handler, error) {
	if s.inProcess == nil {
		s.inProcess = s.inProcessClient()
	}
	con, err := console.New(cfg, console.Deps{
		Store: s.store, Memory: s.memory, AuthToken: string(s.authToken), Version: version.Version,
		Health: s.consoleHealth, Errors: errs, Logger: s.logger,
		Turns: &turn.Pipeline{
			MCP: s.inProcess, Responder: s.llm.Responder("the charsim web console", nil), Tag: "console",
		},
		Responder: s.llm.Description(),
		Changes:   s.changes, Done: s.draining,
		ImportCard: s.consoleImportCard,
	})
	if err != nil {
		return nil, fmt.Errorf("web console: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(con.BasePath(), con)
	mux.Handle(strings.TrimSuffix(con.BasePath(), "/"), con)
	mux.Handle("/", s.Handler())
	return mux, nil
}

// consoleHealth is the readiness checks, Redis included, for the Overview.
func (s *Server) consoleHealth(ctx context.Context) []console.Dependency {
	var out []console.Dependency
	for _, d := range s.checkDependencies(ctx, true) {
		out = append(out, console.Dependency{Name: d.Name, OK: d.OK, Optional: d.Optional, Error: d.Error})
	}
	return out
}

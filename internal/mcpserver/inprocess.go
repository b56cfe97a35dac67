package mcpserver

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/turn"
	"github.com/mojin/charsim/internal/version"
)

// inProcessClient is an MCP client of this server that needs no network:
// each session is a pair of in-memory transports, one end served by the
// server's own MCP server. The console's Play page calls the tools through
// it, so that a turn played in the browser takes the same tool path
// (validation, middleware, change announcements) as one played on Discord.
func (s *Server) inProcessClient() *turn.Client {
	client := mcp.NewClient(&mcp.Implementation{Name: "charsim-console", Version: version.Version}, nil)
	return turn.NewClient(func(ctx context.Context) (*mcp.ClientSession, error) {
		serverEnd, clientEnd := mcp.NewInMemoryTransports()
		// The server session outlives the request that opened it; it ends
		// when the client session closes.
		if _, err := s.mcp.Connect(context.WithoutCancel(ctx), serverEnd, nil); err != nil {
			return nil, fmt.Errorf("serve the in-process session: %w", err)
		}
		return client.Connect(ctx, clientEnd, nil)
	}, "the server's own MCP server (in process)")
}

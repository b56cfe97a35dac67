package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
)

// Resource URI schemes.
const (
	characterScheme = "character://"
	timelineScheme  = "timeline://"
)

func (s *Server) registerResources() {
	s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "character",
		Title:       "Character profile",
		Description: "A character's persona and current state as JSON, with its card's greetings ({{user}} left as written); {id} is the character's ID or name.",
		MIMEType:    "application/json",
		URITemplate: characterScheme + "{id}",
	}, s.readResource(characterScheme, func(ctx context.Context, ref string) (any, error) {
		c, err := s.resolveCharacter(ctx, ref)
		if err != nil {
			return nil, err
		}
		return s.profile(ctx, c, "")
	}))

	s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "timeline",
		Title:       "Channel timeline",
		Description: "The latest story events of a channel's main branch as JSON, oldest first, with its branches.",
		MIMEType:    "application/json",
		URITemplate: timelineScheme + "{channel}",
	}, s.readResource(timelineScheme, func(ctx context.Context, channel string) (any, error) {
		return s.timeline(ctx, channel, store.DefaultBranch, defaultTimelineLimit)
	}))
}

// readResource adapts read, which gets the unescaped rest of the URI after
// scheme, to a resource handler returning JSON. A reference to nothing is
// "resource not found".
func (s *Server) readResource(scheme string, read func(context.Context, string) (any, error)) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		ref, err := url.PathUnescape(strings.TrimPrefix(uri, scheme))
		if err != nil || strings.TrimSpace(ref) == "" {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		v, err := read(ctx, ref)
		var argErr *argumentError
		if errors.As(err, &argErr) || errors.Is(err, store.ErrNotFound) {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		if err != nil {
			return nil, s.rpcError(ctx, "read "+uri, err)
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, s.rpcError(ctx, "read "+uri, err)
		}
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
	}
}

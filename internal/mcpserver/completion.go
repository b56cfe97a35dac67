package mcpserver

import (
	"context"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxCompletions is the most values one completion/complete answer carries,
// as the MCP specification allows.
const maxCompletions = 100

// complete answers completion/complete for the resource templates'
// arguments (character://{id}, timeline://{channel}) and the roleplay
// prompt's (character, channel): characters by name or ID, channels by ID,
// each matched by a case-insensitive prefix of what was typed so far.
func (s *Server) complete(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	p := req.Params
	if p.Ref == nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: `completion needs "ref"`}
	}
	var kind string // "character", "channel" or "" for an argument with no suggestions
	switch {
	case p.Ref.Type == "ref/resource" && p.Ref.URI == characterScheme+"{id}":
		if p.Argument.Name == "id" {
			kind = "character"
		}
	case p.Ref.Type == "ref/resource" && p.Ref.URI == timelineScheme+"{channel}":
		if p.Argument.Name == "channel" {
			kind = "channel"
		}
	case p.Ref.Type == "ref/prompt" && p.Ref.Name == "roleplay":
		if p.Argument.Name == "character" || p.Argument.Name == "channel" {
			kind = p.Argument.Name
		}
	case p.Ref.Type == "ref/resource":
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "no resource template " + p.Ref.URI}
	case p.Ref.Type == "ref/prompt":
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "no prompt " + p.Ref.Name}
	default:
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unknown completion reference type " + p.Ref.Type}
	}
	var candidates []string
	switch kind {
	case "character":
		cs, err := s.store.ListCharacters(ctx)
		if err != nil {
			return nil, s.rpcError(ctx, "complete", err)
		}
		for _, c := range cs { // names first: they are what people type
			candidates = append(candidates, c.Name)
		}
		for _, c := range cs {
			candidates = append(candidates, c.ID)
		}
	case "channel":
		channels, err := s.store.ListChannels(ctx)
		if err != nil {
			return nil, s.rpcError(ctx, "complete", err)
		}
		candidates = channels
	}
	values := matchPrefix(candidates, p.Argument.Value)
	res := &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: values, Total: len(values)}}
	if len(values) > maxCompletions {
		res.Completion.Values = values[:maxCompletions]
		res.Completion.HasMore = true
	}
	return res, nil
}

// matchPrefix keeps the candidates that start with prefix, ignoring case,
// in their order, each once.
func matchPrefix(candidates []string, prefix string) []string {
	prefix = strings.ToLower(prefix)
	values := []string{} // never null: the result requires an array
	seen := make(map[string]bool)
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), prefix) && !seen[c] {
			seen[c] = true
			values = append(values, c)
		}
	}
	return values
}

package mcpserver

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestPanicIsRecovered makes a handler panic on a real server: the call
// fails with an internal error and the server keeps serving.
func TestPanicIsRecovered(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	mcp.AddTool(ts.mcp, &mcp.Tool{Name: "explode"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		panic("boom")
	})
	s := ts.session(t)
	_, err := s.CallTool(t.Context(), &mcp.CallToolParams{Name: "explode"})
	if !isInternalError(err) {
		t.Fatalf("panicking tool: %v, want a JSON-RPC internal error", err)
	}
	call[characterList](t, s, "list_characters", nil)
}

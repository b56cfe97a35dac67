package turn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/secret"
	"github.com/mojin/charsim/internal/version"
)

// mcpRequestTimeout bounds one HTTP request to the MCP server.
const mcpRequestTimeout = 30 * time.Second

// Connector opens an MCP client session to the charsim MCP server.
type Connector func(ctx context.Context) (*mcp.ClientSession, error)

// Client calls the tools of the charsim MCP server over the sessions its
// Connector opens. It keeps one session and opens a new one after a
// transport failure, so that it recovers by itself when the server comes
// back.
type Client struct {
	connect Connector
	// where names the server in errors.
	where string

	mu      sync.Mutex
	session *mcp.ClientSession
}

// NewClient returns a client over the sessions connect opens; where names
// the server in errors (a URL, "the console's own server").
func NewClient(connect Connector, where string) *Client {
	return &Client{connect: connect, where: where}
}

// NewHTTPClient returns a client of the MCP server at endpoint, over
// streamable HTTP with token as the bearer token (none when empty).
// clientName is the MCP client's name the server sees.
func NewHTTPClient(endpoint string, token secret.Value, clientName string) *Client {
	httpClient := &http.Client{
		Timeout:   mcpRequestTimeout,
		Transport: bearerTransport{token: token, next: http.DefaultTransport},
	}
	client := mcp.NewClient(&mcp.Implementation{Name: clientName, Version: version.Version}, nil)
	return NewClient(func(ctx context.Context) (*mcp.ClientSession, error) {
		return client.Connect(ctx, &mcp.StreamableClientTransport{
			Endpoint: endpoint, HTTPClient: httpClient,
			// The charsim server is stateless: there is no server-initiated
			// stream to keep open, and a failed call is retried by a new session.
			DisableStandaloneSSE: true, MaxRetries: -1,
		}, nil)
	}, redactURL(endpoint))
}

// ErrUnauthorized is the MCP server refusing the client's bearer token.
var ErrUnauthorized = errors.New("the MCP server refused the bearer token (HTTP 401/403): check MCP_AUTH_TOKEN")

// bearerTransport adds the MCP server's bearer token to every request, and
// turns a refusal of it into ErrUnauthorized: the SDK reports an HTTP
// status only as text.
type bearerTransport struct {
	token secret.Value
	next  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+string(b.token))
	}
	resp, err := b.next.RoundTrip(r)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		_ = resp.Body.Close() // the refusal says all there is
		return nil, ErrUnauthorized
	}
	return resp, err
}

// UnavailableError means the MCP server could not be reached or did not
// speak MCP: nothing the user did wrong.
type UnavailableError struct{ err error }

func (e *UnavailableError) Error() string {
	return "the MCP server is unavailable: " + e.err.Error()
}
func (e *UnavailableError) Unwrap() error { return e.err }

// ToolError is a tool call the server answered with an error, such as an
// argument naming no character. Message is the server's explanation.
type ToolError struct {
	Tool    string
	Message string
}

func (e *ToolError) Error() string { return e.Tool + ": " + e.Message }

// transportCodes are the JSON-RPC codes the SDK itself gives a request
// that did not reach the server or got no answer (its internal jsonrpc2
// ErrUnknown, ErrClientClosing, ErrServerClosing and ErrRejected, the last
// for a failed HTTP request): every other code is the server's answer.
var transportCodes = map[int64]bool{-32001: true, -32003: true, -32004: true, -32005: true}

var argumentInError = regexp.MustCompile(`^invalid argument "([^"]+)"`)

// Argument is the tool argument the server blamed, if any.
func (e *ToolError) Argument() string {
	if m := argumentInError.FindStringSubmatch(e.Message); m != nil {
		return m[1]
	}
	return ""
}

// connected returns the current session, opening one when there is none.
func (c *Client) connected(ctx context.Context) (*mcp.ClientSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != nil {
		return c.session, nil
	}
	s, err := c.connect(ctx)
	if err != nil {
		return nil, &UnavailableError{err: fmt.Errorf("connect to %s: %w", c.where, err)}
	}
	c.session = s
	return s, nil
}

// drop forgets a failed session so that the next call opens a new one.
func (c *Client) drop(s *mcp.ClientSession) {
	c.mu.Lock()
	if c.session == s {
		c.session = nil
	}
	c.mu.Unlock()
	_ = s.Close() // the session failed already; its close error says nothing new
}

// Close ends the session.
func (c *Client) Close() error {
	c.mu.Lock()
	s := c.session
	c.session = nil
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close()
}

// Ping checks the server answers MCP requests.
func (c *Client) Ping(ctx context.Context) error {
	s, err := c.connected(ctx)
	if err != nil {
		return err
	}
	if err := s.Ping(ctx, nil); err != nil {
		c.drop(s)
		return &UnavailableError{err: err}
	}
	return nil
}

// Call calls a tool and decodes its structured result into Out.
func Call[Out any](ctx context.Context, c *Client, tool string, args any) (Out, error) {
	var out Out
	s, err := c.connected(ctx)
	if err != nil {
		return out, err
	}
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	var rpcErr *jsonrpc.Error
	switch {
	case errors.As(err, &rpcErr) && !transportCodes[rpcErr.Code]:
		// The server answered: the session is fine, the request was not.
		return out, &ToolError{Tool: tool, Message: rpcErr.Message}
	case err != nil && ctx.Err() != nil:
		return out, fmt.Errorf("call %s: %w", tool, ctx.Err())
	case err != nil:
		c.drop(s)
		return out, &UnavailableError{err: fmt.Errorf("call %s: %w", tool, err)}
	case res.IsError:
		return out, &ToolError{Tool: tool, Message: resultText(res)}
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return out, fmt.Errorf("call %s: re-encode the result: %w", tool, err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("call %s: decode the result: %w", tool, err)
	}
	return out, nil
}

func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/transport"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/internal/resources"
)

// mcpRequestTimeout bounds one HTTP request to an MCP server.
const mcpRequestTimeout = 30 * time.Second

// mcpSession opens an MCP client session with the simulation's MCP server,
// through a port-forward to one of its Ready pods, with the bearer token of
// the simulation's generated Secret. Session and forward end with the test.
func mcpSession(t *testing.T, key client.ObjectKey) *mcp.ClientSession {
	t.Helper()
	secret := &corev1.Secret{}
	if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: key.Namespace, Name: resources.MCPAuthName(key.Name)}, secret); err != nil {
		t.Fatalf("get the MCP bearer token Secret of %s: %v", key.Name, err)
	}
	token := string(secret.Data[resources.KeyToken])
	if token == "" {
		t.Fatalf("Secret %s has no key %q", secret.Name, resources.KeyToken)
	}
	addr := forwardPort(t, readyMCPServerPod(t, key), resources.MCPServerPort)

	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections) // before the forward stops
	httpClient := &http.Client{Transport: transport.NewBearerAuthRoundTripper(token, base), Timeout: mcpRequestTimeout}
	mcpClient := mcp.NewClient(&mcp.Implementation{Name: "charsim-e2e", Version: "e2e"}, nil)
	session, err := mcpClient.Connect(t.Context(), &mcp.StreamableClientTransport{
		Endpoint: "http://" + addr + "/mcp", HTTPClient: httpClient,
		// The charsim MCP server is stateless: it sends nothing outside
		// responses, and a failed call must fail the test, not be retried.
		DisableStandaloneSSE: true, MaxRetries: -1,
	}, nil)
	if err != nil {
		t.Fatalf("connect to the MCP server of %s: %v", key.Name, err)
	}
	t.Cleanup(func() {
		if err := session.Close(); err != nil {
			t.Errorf("close the MCP session with %s: %v", key.Name, err)
		}
	})
	return session
}

// readyMCPServerPod is a Running, Ready MCP server pod of the simulation.
func readyMCPServerPod(t *testing.T, key client.ObjectKey) *corev1.Pod {
	t.Helper()
	pods, err := podsOf(t.Context(), key.Namespace, mcpServerDeployment(t, key).Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pods {
		if p := &pods[i]; p.Status.Phase == corev1.PodRunning && podReady(p) && p.DeletionTimestamp == nil {
			return p
		}
	}
	t.Fatalf("no Ready MCP server pod of %s among %d", key.Name, len(pods))
	return nil
}

// callTool calls a tool that must succeed and decodes its structured result.
func callTool[Out any](t *testing.T, session *mcp.ClientSession, tool string, args map[string]any) Out {
	t.Helper()
	var out Out
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): %v", tool, args, err)
	}
	if res.IsError {
		var text []string
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				text = append(text, tc.Text)
			}
		}
		t.Fatalf("%s(%v) failed: %v", tool, args, text)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("%s: re-encode the structured result: %v", tool, err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: decode %s: %v", tool, raw, err)
	}
	return out
}

// Package healthcheck probes a local HTTP health endpoint and reports the
// result as an error. The charsim images have no shell and no curl, so the
// binaries probe themselves (`mcp-server --healthcheck`) for compose.
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Timeout bounds one probe.
const Timeout = 3 * time.Second

// URL turns a listen address such as ":8000" or "0.0.0.0:8000" into the URL
// of path on the loopback interface, where the server can always be reached
// from inside its own container.
func URL(listenAddr, path string) (string, error) {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", listenAddr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}

// Probe GETs the URL and returns nil on 200 OK, or an error with the status
// and the start of the body (the reason a readiness check failed).
func Probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health probe: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health probe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Errorf("health probe %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
}

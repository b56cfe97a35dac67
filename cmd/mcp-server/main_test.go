package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// buildBinary builds mcp-server with a version stamped in, as release builds do.
func buildBinary(t *testing.T, version string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mcp-server")
	cmd := exec.Command("go", "build", "-ldflags", "-X github.com/mojin/charsim/internal/version.Version="+version, "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// command runs bin in an empty working directory with no configuration
// beyond env.
func command(t *testing.T, bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}, env...)
	return cmd
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestBinary(t *testing.T) {
	bin := buildBinary(t, "v1.2.3-test")

	t.Run("version", func(t *testing.T) {
		out, err := command(t, bin, nil, "--version").Output()
		if err != nil || strings.TrimSpace(string(out)) != "v1.2.3-test" {
			t.Errorf("--version = %q, %v", out, err)
		}
	})

	t.Run("library logs are JSON too", func(t *testing.T) {
		// A closed port: the server warns about the key, fails to reach
		// Qdrant and exits; every log line before its final error is JSON.
		cmd := command(t, bin, []string{"QDRANT_URL=http://" + freeAddr(t), "QDRANT_API_KEY=not-a-secret-here", "QDRANT_TIMEOUT=2s"})
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			t.Fatal("the server started without its Qdrant")
		}
		warned := false
		for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if strings.HasPrefix(line, "mcp-server: ") {
				continue // the exit error, for a human
			}
			var record map[string]any
			if err := json.Unmarshal([]byte(line), &record); err != nil {
				t.Errorf("a log line is not JSON: %q", line)
			}
			warned = warned || strings.Contains(fmt.Sprint(record["msg"]), "without TLS")
		}
		if !warned {
			t.Errorf("no JSON warning about the API key without TLS in:\n%s", stderr.String())
		}
	})

	t.Run("bad configuration", func(t *testing.T) {
		cmd := command(t, bin, []string{"LOG_LEVEL=loud"})
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "LOG_LEVEL") {
			t.Errorf("exit %v, output %q; want a failure naming LOG_LEVEL", err, out)
		}
	})

	t.Run("zero config HTTP with graceful shutdown", func(t *testing.T) {
		addr := freeAddr(t)
		var logs bytes.Buffer
		// Only the listen address is set: port 8000 may be taken on a shared machine.
		cmd := command(t, bin, []string{"MCP_LISTEN_ADDR=" + addr})
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("server not ready in time: %v\n%s", err, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}

		session, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(t.Context(),
			&mcp.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "create_character", Arguments: map[string]any{"name": "Aria"}})
		if err != nil || res.IsError {
			t.Fatalf("create_character: %v %+v", err, res)
		}
		session.Close()

		// The compose healthcheck: the binary probes the running server.
		probe := command(t, bin, []string{"MCP_LISTEN_ADDR=" + addr}, "--healthcheck")
		if out, err := probe.CombinedOutput(); err != nil {
			t.Errorf("--healthcheck against a ready server: %v %s", err, out)
		}

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no exit 20s after SIGTERM\n%s", logs.String())
		}
		if _, err := os.Stat(filepath.Join(cmd.Dir, "character_data", "charsim.db")); err != nil {
			t.Errorf("default SQLite database: %v", err)
		}
		probe = command(t, bin, []string{"MCP_LISTEN_ADDR=" + addr}, "--healthcheck")
		if out, err := probe.CombinedOutput(); err == nil {
			t.Errorf("--healthcheck against a stopped server must fail, got %s", out)
		}
		if !strings.Contains(logs.String(), `"msg":"shutting down"`) {
			t.Errorf("no shutdown log line:\n%s", logs.String())
		}
	})

	t.Run("stdio", func(t *testing.T) {
		cmd := command(t, bin, nil, "--stdio")
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		session, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatalf("connect over stdio: %v", err)
		}
		defer session.Close()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "list_characters"})
		if err != nil || res.IsError {
			t.Fatalf("list_characters over stdio: %v %+v", err, res)
		}
		if session.InitializeResult().ServerInfo.Version != "v1.2.3-test" {
			t.Errorf("server version = %q", session.InitializeResult().ServerInfo.Version)
		}
	})
}

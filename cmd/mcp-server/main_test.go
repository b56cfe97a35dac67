package main

import (
	"bufio"
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

	"github.com/mojin/charsim/internal/testsvc"
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
		// A closed port: the server warns about the key, cannot reach
		// Qdrant and keeps retrying; every line it logs meanwhile is JSON.
		cmd := command(t, bin, []string{"QDRANT_URL=http://" + freeAddr(t), "QDRANT_API_KEY=not-a-secret-here", "QDRANT_TIMEOUT=2s", "MCP_LISTEN_ADDR=" + freeAddr(t)})
		lines := startLogging(t, cmd)
		warned, retried := false, false
		for line := range lines {
			var record map[string]any
			if err := json.Unmarshal([]byte(line), &record); err != nil {
				t.Errorf("a log line is not JSON: %q", line)
				continue
			}
			msg := fmt.Sprint(record["msg"])
			warned = warned || strings.Contains(msg, "without TLS")
			retried = retried || strings.Contains(msg, "retrying")
			if warned && retried {
				return
			}
		}
		t.Errorf("no JSON warning about the API key without TLS (%t) and no retry (%t) before the log ended", warned, retried)
	})

	t.Run("starts before its PostgreSQL and becomes ready without a restart", func(t *testing.T) {
		pg := testsvc.StartPostgres(t)
		pg.Stop() // not there yet, as while its pod starts
		addr := freeAddr(t)
		cmd := command(t, bin, []string{"MCP_LISTEN_ADDR=" + addr, "DATABASE_URL=" + pg.URL()})
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		status := func(path string) (int, map[string]string) {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				return 0, nil
			}
			defer resp.Body.Close()
			var body map[string]string
			_ = json.NewDecoder(resp.Body).Decode(&body)
			return resp.StatusCode, body
		}
		poll := func(what string, ok func() bool) {
			t.Helper()
			for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: not within 60s\n%s", what, logs.String())
				}
			}
		}
		poll("alive and waiting for PostgreSQL", func() bool {
			live, _ := status("/healthz")
			ready, body := status("/readyz")
			return live == http.StatusOK && ready == http.StatusServiceUnavailable && body["status"] == "starting" && body["waiting_for"] != ""
		})
		pg.Start()
		poll("ready once PostgreSQL is up", func() bool {
			code, _ := status("/readyz")
			return code == http.StatusOK
		})
		if cmd.ProcessState != nil {
			t.Fatalf("the server exited: %v", cmd.ProcessState)
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

// startLogging starts cmd and returns its stderr lines, for at most 30 s;
// the process is killed when the test ends.
func startLogging(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(stderr)
		deadline := time.After(30 * time.Second)
		for scanner.Scan() {
			select {
			case lines <- scanner.Text():
			case <-deadline:
				return
			}
		}
	}()
	return lines
}

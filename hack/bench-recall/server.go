package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The server process, as hack/bench-mcp runs it: the real cmd/mcp-server,
// built once, on a free 127.0.0.1 port, with exactly the environment given.

type logf func(format string, args ...any)

// moduleRoot is the directory of the charsim go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// buildServer builds cmd/mcp-server into dir and returns the binary's path.
func buildServer(ctx context.Context, root, dir string) (string, error) {
	binary, err := filepath.Abs(filepath.Join(dir, "mcp-server"))
	if err != nil {
		return "", err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd/mcp-server")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mcp-server: %w\n%s", err, out)
	}
	return binary, nil
}

type serverProcess struct {
	cmd      *exec.Cmd
	endpoint string
	logPath  string
	exited   chan error
}

// startServer starts binary with env and waits until /readyz answers 200.
func startServer(ctx context.Context, binary string, env []string, logPath string) (*serverProcess, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.CommandContext(ctx, binary)
	cmd.Env = append(env, "MCP_LISTEN_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	p := &serverProcess{cmd: cmd, endpoint: "http://" + addr + "/mcp", logPath: logPath, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case err := <-p.exited:
			return nil, fmt.Errorf("the server exited before it was ready (%v); log:\n%s", err, tail(logPath))
		case <-deadline:
			p.stop()
			return nil, fmt.Errorf("the server was not ready after 2m; log:\n%s", tail(logPath))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the server to shut down and kills it if it does not.
func (p *serverProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM) // it may have exited already
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-20):], []byte("\n")))
}

// connect opens one MCP client session over streamable HTTP.
func connect(ctx context.Context, endpoint string) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "bench-recall", Version: "1"}, nil)
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	return s, nil
}

// callTool calls a tool and decodes its structured result into out; a tool
// error is an error.
func callTool(ctx context.Context, s *mcp.ClientSession, name string, args map[string]any, out any) error {
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		msg, _ := json.Marshal(res.Content)
		return fmt.Errorf("tool %s failed: %s", name, msg)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s result: %w", name, err)
	}
	return nil
}

// --- PostgreSQL, found as hack/bench-mcp finds it ---

const envPostgresURL = "CHARSIM_TEST_POSTGRES_URL"

type postgresServer struct {
	base   string // URL of the maintenance database
	script string // hack/test-services.sh when this run started it
}

func findPostgres(ctx context.Context, root string, log logf) (*postgresServer, error) {
	if u := os.Getenv(envPostgresURL); u != "" {
		return &postgresServer{base: u}, nil
	}
	envFile := filepath.Join(root, ".local", "test-services.env")
	if u, err := readEnvFile(envFile, envPostgresURL); err == nil && u != "" {
		log("using PostgreSQL from %s", envFile)
		return &postgresServer{base: u}, nil
	}
	script := filepath.Join(root, "hack", "test-services.sh")
	log("starting PostgreSQL with %s", script)
	start := exec.CommandContext(ctx, script, "start")
	start.Stderr = os.Stderr
	if err := start.Run(); err != nil {
		return nil, fmt.Errorf("%s start: %w", script, err)
	}
	u, err := readEnvFile(envFile, envPostgresURL)
	if err != nil {
		return nil, err
	}
	return &postgresServer{base: u, script: script}, nil
}

func (p *postgresServer) release(log logf) {
	if p.script == "" {
		return
	}
	log("stopping the PostgreSQL this run started")
	stop := exec.Command(p.script, "stop")
	stop.Stderr = os.Stderr
	if err := stop.Run(); err != nil {
		log("%s stop: %v", p.script, err)
	}
}

// createDatabase creates a fresh database and returns its URL and a drop.
func (p *postgresServer) createDatabase(ctx context.Context, prefix string) (string, func(), error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := prefix + "_" + hex.EncodeToString(suffix)
	ident := pgx.Identifier{name}.Sanitize()
	if err := p.exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(p.base)
	if err != nil {
		return "", nil, errors.New("the PostgreSQL URL does not parse")
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := p.exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "bench-recall: drop database %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

func (p *postgresServer) exec(ctx context.Context, statement string) error {
	conn, err := pgx.Connect(ctx, p.base)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}

// readEnvFile returns the value of `export NAME=VALUE` in a shell env file.
func readEnvFile(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		if value, ok := strings.CutPrefix(line, name+"="); ok {
			return strings.Trim(value, `"'`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s does not set %s", path, name)
}

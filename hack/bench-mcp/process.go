package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bounds on the server process.
const (
	readyTimeout = 3 * time.Minute // loading 100k vectors takes a while on PostgreSQL
	stopTimeout  = 20 * time.Second
)

// logf prints a progress line.
type logf func(format string, args ...any)

// buildServer builds cmd/mcp-server into dir and returns the binary's path.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
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

// serverProcess is a running cmd/mcp-server.
type serverProcess struct {
	cmd      *exec.Cmd
	endpoint string
	exited   chan error
}

// startServer starts the binary on a free loopback port with exactly env
// (nothing leaks in from the benchmark's own environment) and waits until
// /readyz answers 200.
func startServer(ctx context.Context, binary string, env []string, logPath string) (*serverProcess, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the server log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.CommandContext(ctx, binary)
	cmd.Env = append(env, "MCP_LISTEN_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	p := &serverProcess{cmd: cmd, endpoint: "http://" + addr + "/mcp", exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()

	deadline := time.After(readyTimeout)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
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
			return nil, fmt.Errorf("the server was not ready after %s; log:\n%s", readyTimeout, tail(logPath))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *serverProcess) pid() int { return p.cmd.Process.Pid }

// stop asks the server to shut down and kills it if it does not.
func (p *serverProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM) // it may have exited already
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// freeLoopbackAddr returns 127.0.0.1:PORT with a port nothing listens on.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-20):], []byte("\n")))
}

// processMemory is a process's resident set size: now and at its peak.
type processMemory struct {
	rssKB, peakKB int64
}

// readProcessMemory reads VmRSS and VmHWM from /proc/PID/status.
func readProcessMemory(pid int) (processMemory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return processMemory{}, fmt.Errorf("read the memory of process %d: %w", pid, err)
	}
	defer f.Close()
	var m processMemory
	fields := map[string]*int64{"VmRSS:": &m.rssKB, "VmHWM:": &m.peakKB}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Fields(sc.Text()) // "VmRSS:   123456 kB"
		if len(parts) == 3 && fields[parts[0]] != nil {
			if *fields[parts[0]], err = strconv.ParseInt(parts[1], 10, 64); err != nil {
				return processMemory{}, fmt.Errorf("parse %s of process %d: %w", parts[0], pid, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return processMemory{}, err
	}
	if m.rssKB == 0 || m.peakKB == 0 {
		return processMemory{}, errors.New("VmRSS or VmHWM missing from /proc/PID/status")
	}
	return m, nil
}

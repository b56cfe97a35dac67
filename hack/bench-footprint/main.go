// Command bench-footprint measures, in one run, the resident memory of each
// way to run charsim that runs on this machine, after the same warm-up:
//
//   - host-only: the mcp-server binary on SQLite (CHARACTER_DATA_DIR in a
//     temp dir, builtin embeddings);
//   - compose.lite.yaml (no Qdrant) under podman-compose: postgres, redis and
//     mcp-server, per container and in total. The bot is left out (it needs
//     a Discord token); the full compose.yaml needs Qdrant, which cannot run
//     here (no registry to pull its image from).
//
// The warm-up, through a real MCP Go SDK client session: create one
// character, -remember remember calls of distinct sentences, then -recall
// recall calls. RSS is the sum of VmRSS over a component's processes
// (/proc/PID/status); for containers the cgroup's memory (podman stats, which
// counts the page cache too) is printed beside it.
//
//	make bench-footprint   # hack/bench-footprint.sh: images, then this
//
// Environment: MCP_SERVER_BIN (the binary for host-only), and for compose
// POSTGRES_IMAGE, REDIS_IMAGE, MCP_SERVER_IMAGE, DISCORD_BOT_IMAGE, and
// FOOTPRINT_PORT (host port of the two MCP servers, default a free one).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var (
	remembers = flag.Int("remember", 500, "remember calls in the warm-up")
	recalls   = flag.Int("recall", 100, "recall calls in the warm-up")
	repo      = flag.String("repo", ".", "repository root (compose.lite.yaml)")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench-footprint: ")
	ctx := context.Background()

	type row struct{ option, component, rss, cgroup string }
	var rows []row

	host, err := hostOnly(ctx)
	if err != nil {
		log.Fatalf("host-only: %v", err)
	}
	rows = append(rows, row{"host-only (SQLite)", "mcp-server", mib(host), "–"})

	stack, err := composeLite(ctx)
	if err != nil {
		log.Fatalf("compose.lite.yaml: %v", err)
	}
	var total, totalCgroup int64
	for _, c := range stack {
		rows = append(rows, row{"compose.lite.yaml", c.service, mib(c.rss), mib(c.cgroup)})
		total += c.rss
		totalCgroup += c.cgroup
	}
	rows = append(rows, row{"compose.lite.yaml", "**total**", "**" + mib(total) + "**", "**" + mib(totalCgroup) + "**"})

	fmt.Printf("\nwarm-up: 1 character, %d remember, %d recall through one MCP session\n\n", *remembers, *recalls)
	fmt.Println("| option | component | RSS | cgroup memory |")
	fmt.Println("| --- | --- | --- | --- |")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %s |\n", r.option, r.component, r.rss, r.cgroup)
	}
}

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

// hostOnly starts the binary on SQLite, warms it up and returns its RSS.
func hostOnly(ctx context.Context) (int64, error) {
	bin := os.Getenv("MCP_SERVER_BIN")
	if bin == "" {
		return 0, fmt.Errorf("MCP_SERVER_BIN is not set")
	}
	dir, err := os.MkdirTemp("", "bench-footprint-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	token := randomHex()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "CHARACTER_DATA_DIR="+dir, "MCP_LISTEN_ADDR="+net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		"MCP_AUTH_TOKEN="+token, "DATABASE_URL=", "QDRANT_URL=", "REDIS_URL=")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitReady(ctx, base+"/readyz", time.Minute); err != nil {
		return 0, err
	}
	if err := warmUp(ctx, base+"/mcp", token); err != nil {
		return 0, err
	}
	return rss([]int{cmd.Process.Pid})
}

type containerFootprint struct {
	service     string
	rss, cgroup int64
}

// composeLite brings compose.lite.yaml up under a project of its own, warms
// its MCP server up and measures each container; it always goes down -v.
func composeLite(ctx context.Context) ([]containerFootprint, error) {
	raw, err := os.ReadFile(filepath.Join(*repo, "compose.lite.yaml"))
	if err != nil {
		return nil, err
	}
	// A directory of its own: podman-compose reads a .env beside the file.
	dir, err := os.MkdirTemp("", "bench-footprint-compose-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "compose.lite.yaml")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		return nil, err
	}
	port := 0
	if p := os.Getenv("FOOTPRINT_PORT"); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, err
		}
	} else if port, err = freePort(); err != nil {
		return nil, err
	}
	project := "charsimfootprint" + randomHex()[:6]
	token := randomHex()
	env := append(os.Environ(), "POSTGRES_PASSWORD="+randomHex(), "REDIS_PASSWORD="+randomHex(), "MCP_AUTH_TOKEN="+token,
		"DISCORD_TOKEN=unused", "MCP_PUBLISH_PORT="+strconv.Itoa(port), "HOST_GATEWAY_ADDRESS=127.0.0.1")
	for _, v := range []string{"POSTGRES_IMAGE", "REDIS_IMAGE", "MCP_SERVER_IMAGE", "DISCORD_BOT_IMAGE"} {
		if os.Getenv(v) == "" {
			return nil, fmt.Errorf("%s is not set", v)
		}
	}
	compose := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "podman-compose", append([]string{"-p", project, "-f", file}, args...)...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("podman-compose %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	services := []string{"postgres", "redis", "mcp-server"}
	defer func() {
		if err := compose("down", "-v"); err != nil {
			log.Print(err)
		}
		// podman-compose 1.0.3's down leaves the networks.
		out, _ := exec.Command("podman", "network", "ls", "--filter", "label=io.podman.compose.project="+project, "--format", "{{.Name}}").Output()
		if nets := strings.Fields(string(out)); len(nets) > 0 {
			_ = exec.Command("podman", append([]string{"network", "rm"}, nets...)...).Run()
		}
	}()
	if err := compose(append([]string{"up", "-d"}, services...)...); err != nil {
		return nil, err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// /readyz answers 200 once PostgreSQL and Redis are connected.
	if err := waitReady(ctx, base+"/readyz", 3*time.Minute); err != nil {
		return nil, err
	}
	if err := warmUp(ctx, base+"/mcp", token); err != nil {
		return nil, err
	}
	var out []containerFootprint
	for _, service := range services {
		name := fmt.Sprintf("%s_%s_1", project, service)
		pids, err := containerPIDs(name)
		if err != nil {
			return nil, err
		}
		r, err := rss(pids)
		if err != nil {
			return nil, err
		}
		cg, err := cgroupMemory(name)
		if err != nil {
			return nil, err
		}
		out = append(out, containerFootprint{service, r, cg})
	}
	return out, nil
}

// warmUp is the load every option gets before it is measured.
func warmUp(ctx context.Context, endpoint, token string) error {
	client := mcp.NewClient(&mcp.Implementation{Name: "bench-footprint", Version: "1"}, nil)
	httpClient := &http.Client{Transport: bearer{token}, Timeout: time.Minute}
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: httpClient, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return err
	}
	defer session.Close()
	call := func(tool string, args map[string]any) error {
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			return fmt.Errorf("%s: %w", tool, err)
		}
		if res.IsError {
			return fmt.Errorf("%s failed: %+v", tool, res.Content)
		}
		return nil
	}
	const name = "Wren"
	if err := call("create_character", map[string]any{"name": name, "personality": "patient, dry"}); err != nil {
		return err
	}
	places := []string{"the well", "the orchard", "the mill", "the ferry", "the chapel", "the market", "the quarry", "the lighthouse"}
	months := []string{"January", "March", "May", "July", "September", "November"}
	start := time.Now()
	for i := range *remembers {
		text := fmt.Sprintf("Memory %d: in %s Wren walked to %s and met traveller number %d, who spoke of %s.",
			i, months[i%len(months)], places[i%len(places)], i*7%101, places[(i/3)%len(places)])
		if err := call("remember", map[string]any{"character": name, "text": text}); err != nil {
			return err
		}
	}
	for i := range *recalls {
		query := fmt.Sprintf("what happened at %s in %s", places[i%len(places)], months[i%len(months)])
		if err := call("recall", map[string]any{"character": name, "query": query}); err != nil {
			return err
		}
	}
	log.Printf("warm-up at %s took %s", endpoint, time.Since(start).Round(time.Millisecond))
	return nil
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func waitReady(ctx context.Context, url string, within time.Duration) error {
	var last string
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = resp.Status
	}
	return fmt.Errorf("%s not ready within %s: %s", url, within, last)
}

// containerPIDs are the host PIDs of a container's processes.
func containerPIDs(name string) ([]int, error) {
	out, err := exec.Command("podman", "top", name, "hpid").Output()
	if err != nil {
		return nil, fmt.Errorf("podman top %s: %w", name, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("podman top %s: no processes in %q", name, out)
	}
	return pids, nil
}

// rss sums VmRSS over the processes.
func rss(pids []int) (int64, error) {
	var total int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, err
		}
		for line := range strings.SplitSeq(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				if err != nil {
					return 0, err
				}
				total += kb << 10
			}
		}
	}
	return total, nil
}

// cgroupMemory is the container's memory as podman stats reports it.
func cgroupMemory(name string) (int64, error) {
	out, err := exec.Command("podman", "stats", "--no-stream", "--no-reset", "--format", "{{.MemUsageBytes}}", name).Output()
	if err != nil {
		return 0, fmt.Errorf("podman stats %s: %w", name, err)
	}
	used := strings.TrimSpace(strings.Split(string(out), "/")[0])
	return parseSize(used)
}

// parseSize reads podman's human sizes ("23.5MB", "1.2GB", "512kB").
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil {
				return 0, fmt.Errorf("size %q: %w", s, err)
			}
			return int64(f * u.mult), nil
		}
	}
	return 0, fmt.Errorf("size %q: unknown unit", s)
}

func freePort() (int, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 8000 && port != 8080 {
			return port, nil
		}
	}
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

//go:build containers

package containers

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

// The compose files, relative to the repository root.
const (
	composeFull = "compose.yaml"
	composeLite = "compose.lite.yaml"
)

// liteServices are what the compose test starts: compose.lite.yaml without
// the Discord bot, which would need a real Discord token (the emulator
// needs a proxy and a CA the compose file has no place for; TestAppPods
// runs the bot's pod against it).
var liteServices = []string{"postgres", "redis", "mcp-server"}

// composeHealthDeadline is how long every healthcheck has to turn healthy:
// PostgreSQL's start_period (120 s) and a margin on this busy machine.
const composeHealthDeadline = 3 * time.Minute

// composeStack is one podman-compose project: a copy of a compose file in a
// directory of its own (podman-compose reads a .env beside the file, and a
// developer's must not take part) and the environment it runs with.
type composeStack struct {
	t       *testing.T
	project string
	file    string
	env     []string
}

// newComposeStack copies file into a temp directory and gives it a project
// name of this run's own; with the test it goes down with its volumes, and
// the networks podman-compose 1.0.3's down leaves behind are removed.
func newComposeStack(t *testing.T, file string, env map[string]string) *composeStack {
	t.Helper()
	if _, err := exec.LookPath("podman-compose"); err != nil {
		t.Fatalf("podman-compose is not installed (hack/containers-env.sh installs it): %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), file))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &composeStack{t: t, project: "charsimct" + strings.ToLower(randomToken(t)[:8]), file: filepath.Join(dir, file)}
	if err := os.WriteFile(s.file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, value := range env {
		s.env = append(s.env, name+"="+value)
	}
	t.Cleanup(func() {
		if t.Failed() {
			s.dumpLogs()
		}
		if out, err := s.run(context.Background(), "down", "-v"); err != nil {
			t.Errorf("podman-compose down -v: %v\n%s", err, out)
		}
		for _, kind := range []string{"container", "volume", "network"} {
			left := s.labelled(context.Background(), kind)
			if len(left) == 0 {
				continue
			}
			if kind == "container" {
				t.Errorf("down -v left containers %q", left)
			}
			args := append([]string{kind, "rm", "--force"}, left...)
			if kind == "network" {
				args = append([]string{kind, "rm"}, left...)
			}
			if _, err := podman(context.Background(), nil, args...); err != nil {
				t.Errorf("remove %s %q: %v", kind, left, err)
			}
		}
	})
	return s
}

// run runs podman-compose on the stack and returns its combined output.
func (s *composeStack) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "podman-compose", append([]string{"-p", s.project, "-f", s.file}, args...)...)
	cmd.Dir = filepath.Dir(s.file)
	cmd.Env = append(os.Environ(), s.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustRun is run for a step that must succeed.
func (s *composeStack) mustRun(args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.t.Context(), 5*time.Minute)
	defer cancel()
	out, err := s.run(ctx, args...)
	if err != nil {
		s.t.Fatalf("podman-compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// labelled lists the project's containers, volumes or networks by the label
// podman-compose puts on each.
func (s *composeStack) labelled(ctx context.Context, kind string) []string {
	label := "label=io.podman.compose.project=" + s.project
	var args []string
	switch kind {
	case "container":
		args = []string{"ps", "--all", "--filter", label, "--format", "{{.Names}}"}
	case "volume":
		args = []string{"volume", "ls", "--filter", label, "--format", "{{.Name}}"}
	case "network":
		args = []string{"network", "ls", "--filter", label, "--format", "{{.Name}}"}
	}
	out, err := podman(ctx, nil, args...)
	if err != nil {
		s.t.Errorf("list %ss: %v", kind, err)
		return nil
	}
	names := strings.Fields(out)
	slices.Sort(names)
	return names
}

// container is the name podman-compose gives a service's container.
func (s *composeStack) container(service string) string {
	return fmt.Sprintf("%s_%s_1", s.project, service)
}

func (s *composeStack) dumpLogs() {
	for _, name := range s.labelled(context.Background(), "container") {
		logs, _ := podmanLogs(context.Background(), name, "--tail", "40")
		s.t.Logf("logs of %s:\n%s", name, logs)
	}
}

// healthcheck is a service's healthcheck as its compose file declares it.
func (s *composeStack) healthcheck(service string) (test []string, timeout time.Duration) {
	s.t.Helper()
	raw, err := os.ReadFile(s.file)
	if err != nil {
		s.t.Fatal(err)
	}
	var file struct {
		Services map[string]struct {
			Healthcheck struct {
				Test    []string `json:"test"`
				Timeout string   `json:"timeout"`
			} `json:"healthcheck"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		s.t.Fatalf("parse %s: %v", s.file, err)
	}
	hc := file.Services[service].Healthcheck
	if len(hc.Test) < 2 {
		s.t.Fatalf("%s declares no healthcheck", service)
	}
	timeout, err = time.ParseDuration(hc.Timeout)
	if err != nil {
		s.t.Fatalf("%s: healthcheck timeout %q: %v", service, hc.Timeout, err)
	}
	switch hc.Test[0] {
	case "CMD":
		return hc.Test[1:], timeout
	case "CMD-SHELL":
		// Compose's $$ is a literal $ in the command.
		return []string{"/bin/sh", "-c", strings.ReplaceAll(hc.Test[1], "$$", "$")}, timeout
	}
	s.t.Fatalf("%s: healthcheck %q is neither CMD nor CMD-SHELL", service, hc.Test)
	return nil, 0
}

// waitHealthy waits until every service's healthcheck passes, and fails
// with the last output of each that did not within composeHealthDeadline.
//
// The test runs each healthcheck itself, as its compose file declares it,
// with podman exec every two seconds, because podman cannot here: podman
// schedules healthchecks with systemd timers and this machine has no
// systemd ("unable to get systemd connection to add healthchecks"), and
// podman-compose 1.0.3 turns every healthcheck, CMD ones included, into
// "/bin/sh -c ...", which the charsim images (FROM scratch) do not have, so
// `podman healthcheck run` would call the MCP server unhealthy however it
// is. A store's status as podman records it is checked too.
func (s *composeStack) waitHealthy(services []string) {
	s.t.Helper()
	pending := slices.Clone(services)
	last := map[string]string{}
	start := time.Now()
	for deadline := start.Add(composeHealthDeadline); len(pending) > 0 && time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		for _, service := range slices.Clone(pending) {
			test, timeout := s.healthcheck(service)
			ctx, cancel := context.WithTimeout(s.t.Context(), timeout)
			out, err := podman(ctx, nil, append([]string{"exec", s.container(service)}, test...)...)
			cancel()
			if err != nil {
				last[service] = err.Error()
				continue
			}
			last[service] = out
			s.t.Logf("%s is healthy after %s", service, time.Since(start).Round(time.Second))
			pending = slices.DeleteFunc(pending, func(p string) bool { return p == service })
		}
	}
	for _, service := range pending {
		s.t.Errorf("%s did not turn healthy within %s; its healthcheck last said: %s", service, composeHealthDeadline, last[service])
	}
	if len(pending) > 0 {
		s.t.FailNow()
	}
	for _, service := range services {
		if service == "mcp-server" || service == "discord-bot" {
			continue // no /bin/sh for podman-compose's wrapped healthcheck
		}
		_, _ = podman(s.t.Context(), nil, "healthcheck", "run", s.container(service))
		status, err := podman(s.t.Context(), nil, "inspect", "--format", "{{.State.Health.Status}}", s.container(service))
		if err != nil || status != "healthy" {
			s.t.Errorf("%s: podman's own healthcheck status %q (%v), want healthy", service, status, err)
		}
	}
}

// portBindings are a container's published ports: container port to the
// host addresses and ports.
func (s *composeStack) portBindings(service string) map[string][]struct{ HostIp, HostPort string } {
	s.t.Helper()
	out, err := podman(s.t.Context(), nil, "inspect", "--format", "{{json .NetworkSettings.Ports}}", s.container(service))
	if err != nil {
		s.t.Fatal(err)
	}
	var ports map[string][]struct{ HostIp, HostPort string }
	if err := json.Unmarshal([]byte(out), &ports); err != nil {
		s.t.Fatalf("%s ports %q: %v", service, out, err)
	}
	return ports
}

// freePort is a TCP port nothing on the host listens on now. It is never
// 8000 or 8080, which the CI's own container tier uses.
func freePort(t *testing.T) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 8000 && port != 8080 {
			return port
		}
	}
}

// composeEnv is what a user's .env holds, with the tier's local images and
// secrets of this run's own. Podman 4.3 has no "host-gateway": the
// host's own address stands in for it.
func composeEnv(t *testing.T, mcpPort int) map[string]string {
	return map[string]string{
		"POSTGRES_IMAGE":       required(t, envPostgresImage),
		"REDIS_IMAGE":          required(t, envRedisImage),
		"MCP_SERVER_IMAGE":     required(t, envMCPImage),
		"DISCORD_BOT_IMAGE":    required(t, envBotImage),
		"POSTGRES_PASSWORD":    randomToken(t),
		"REDIS_PASSWORD":       randomToken(t),
		"MCP_AUTH_TOKEN":       randomToken(t),
		"DISCORD_TOKEN":        "not-used-the-bot-is-not-started",
		"MCP_PUBLISH_PORT":     strconv.Itoa(mcpPort),
		"HOST_GATEWAY_ADDRESS": hostAddress(t),
	}
}

// TestComposeLite brings compose.lite.yaml (no Qdrant: the vectors in
// PostgreSQL) up with podman-compose on the tier's local images, then: every
// healthcheck turns healthy; only the MCP port is published, on 127.0.0.1
// only (the host's other address is refused), and the stores publish no
// port; a memory written through an MCP session survives
// `down` and `up` on the named volumes; no log says "read-only file system"
// or "permission denied"; `down -v` removes the volumes.
func TestComposeLite(t *testing.T) {
	mcpPort := freePort(t)
	env := composeEnv(t, mcpPort)
	stack := newComposeStack(t, composeLite, env)
	stack.mustRun(append([]string{"up", "-d"}, liteServices...)...)
	stack.waitHealthy(liteServices)

	t.Run("only the MCP port is published, on loopback", func(t *testing.T) {
		mcpPorts := stack.portBindings("mcp-server")
		want := fmt.Sprintf("[{127.0.0.1 %d}]", mcpPort)
		if got := fmt.Sprint(mcpPorts[fmt.Sprintf("%d/tcp", resources.MCPServerPort)]); got != want || len(mcpPorts) != 1 {
			t.Errorf("mcp-server publishes %+v, want %d/tcp on %s only", mcpPorts, resources.MCPServerPort, want)
		}
		for _, service := range []string{"postgres", "redis"} {
			for port, bindings := range stack.portBindings(service) {
				if len(bindings) > 0 {
					t.Errorf("%s publishes %s on %+v", service, port, bindings)
				}
			}
		}
		other := net.JoinHostPort(hostAddress(t), strconv.Itoa(mcpPort))
		if conn, err := net.DialTimeout("tcp", other, 3*time.Second); err == nil {
			conn.Close()
			t.Errorf("the MCP port answers on the host's address %s; it must be on 127.0.0.1 only", other)
		}
		if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", mcpPort), 3*time.Second); err != nil {
			t.Errorf("the MCP port does not answer on 127.0.0.1: %v", err)
		} else {
			conn.Close()
		}
		// The stores publish nothing. Their addresses on the internal
		// network do answer root on this host itself, which routes to its own
		// bridges (as Docker on Linux does); no other machine has a route there.
	})

	endpoint := fmt.Sprintf("http://127.0.0.1:%d/mcp", mcpPort)
	name := "Wren " + randomToken(t)[:8]
	const memory = "The well behind the cottage ran dry in May."
	session := mcpSession(t, endpoint, env["MCP_AUTH_TOKEN"])
	callTool(t, session, "create_character", map[string]any{"name": name, "personality": "patient, dry"})
	callTool(t, session, "remember", map[string]any{"character": name, "text": memory})
	if got := callTool(t, session, "recall", map[string]any{"character": name, "query": "what happened to the well"}); !strings.Contains(got, "ran dry in May") {
		t.Fatalf("recall before down does not return the memory: %s", got)
	}
	_ = session.Close()

	stack.mustRun("down")
	if left := stack.labelled(t.Context(), "container"); len(left) > 0 {
		t.Errorf("down left containers %q", left)
	}
	wantVolumes := []string{stack.project + "_postgres-data", stack.project + "_redis-data"}
	if got := stack.labelled(t.Context(), "volume"); !slices.Equal(got, wantVolumes) {
		t.Fatalf("after down the volumes are %q, want %q", got, wantVolumes)
	}

	stack.mustRun(append([]string{"up", "-d"}, liteServices...)...)
	stack.waitHealthy(liteServices)
	session = mcpSession(t, endpoint, env["MCP_AUTH_TOKEN"])
	if got := callTool(t, session, "recall", map[string]any{"character": name, "query": "what happened to the well"}); !strings.Contains(got, "ran dry in May") {
		t.Errorf("after down and up the memory is gone: %s", got)
	}
	_ = session.Close()

	// Nothing in the stack was refused a write by its read-only root or user.
	for _, service := range liteServices {
		logs, err := podmanLogs(t.Context(), stack.container(service))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(logs, "\n") {
			if forbiddenLog.MatchString(line) {
				t.Errorf("%s logged %q", service, line)
			}
		}
	}

	stack.mustRun("down", "-v")
	if got := stack.labelled(t.Context(), "volume"); len(got) > 0 {
		t.Errorf("after down -v volumes %q remain", got)
	}
	if got := stack.labelled(t.Context(), "container"); len(got) > 0 {
		t.Errorf("after down -v containers %q remain", got)
	}
}

// TestComposeFullConfig checks the whole stack, compose.yaml, as far as it
// can go here: Qdrant cannot run on this machine (no registry to pull its
// image from, and no Debian package to build one from), so the stack is not
// started. podman-compose 1.0.3 has no `config` command; `--dry-run up -d`
// is its equivalent: it loads and interpolates the file and prints the
// podman commands it would run, starting nothing (it does create the
// project's volumes and networks, which the cleanup removes). Every service
// must get a run command with its image, no ${...} left unsubstituted, and
// the MCP server its Qdrant. test/compose checks the same file with
// compose-go.
func TestComposeFullConfig(t *testing.T) {
	env := composeEnv(t, freePort(t))
	env["QDRANT_API_KEY"] = randomToken(t)
	env["QDRANT_IMAGE"] = "docker.io/qdrant/qdrant:v1.17.0-unprivileged" // never pulled
	stack := newComposeStack(t, composeFull, env)
	out := stack.mustRun("--dry-run", "up", "-d")
	images := map[string]string{
		"postgres": env["POSTGRES_IMAGE"], "qdrant": env["QDRANT_IMAGE"], "redis": env["REDIS_IMAGE"],
		"mcp-server": env["MCP_SERVER_IMAGE"], "discord-bot": env["DISCORD_BOT_IMAGE"],
	}
	runs := map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		for service := range images {
			if strings.HasPrefix(line, "podman run --name="+stack.container(service)+" ") {
				runs[service] = line
			}
		}
	}
	for service, image := range images {
		run, ok := runs[service]
		if !ok {
			t.Errorf("no podman run for %s in:\n%s", service, out)
			continue
		}
		if !strings.Contains(run, " "+image) {
			t.Errorf("%s does not run %s: %s", service, image, run)
		}
		if strings.Contains(run, "${") {
			t.Errorf("%s: a variable is left unsubstituted: %s", service, run)
		}
	}
	if run := runs["mcp-server"]; !strings.Contains(run, fmt.Sprintf("-e QDRANT_URL=http://qdrant:%d ", resources.QdrantGRPCPort)) {
		t.Errorf("the MCP server is not given the compose Qdrant: %s", run)
	}
	if left := stack.labelled(t.Context(), "container"); len(left) > 0 {
		t.Errorf("--dry-run created containers %q", left)
	}
}

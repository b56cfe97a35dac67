//go:build containers

package containers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mojin/charsim/internal/podrun"
)

// podman runs podman with the tier's containers.conf (CONTAINERS_CONF from
// hack/containers-env.sh) and returns its trimmed stdout.
func podman(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return strings.TrimSpace(string(out)), fmt.Errorf("podman %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// podmanLogs is a container's output, stdout and stderr both: podman logs
// replays the container's stderr on its own stderr.
func podmanLogs(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "podman", append(append([]string{"logs"}, args...), name)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("podman logs %s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// container is a running container of a translated pod.
type container struct {
	name string
	spec corev1.Container
}

// runPod translates the pod, asserts that the fields it cannot express are
// exactly allowed (a new field in a builder must be looked at here), writes
// its secret volumes and starts it detached. The container is removed when
// the test ends, after its logs are printed if the test failed.
func runPod(t *testing.T, p podrun.Pod, allowed ...string) *container {
	t.Helper()
	if p.SecretDir == "" {
		p.SecretDir = t.TempDir()
	}
	run, err := podrun.Translate(p)
	if err != nil {
		t.Fatalf("translate %s: %v", p.Name, err)
	}
	var unexpected []string
	for _, u := range run.Unsupported {
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.HasPrefix(u, a) }) {
			unexpected = append(unexpected, u)
		}
	}
	if len(unexpected) > 0 {
		t.Fatalf("%s: podman cannot express %q", p.Name, unexpected)
	}
	if err := podrun.WriteFiles(run.Files); err != nil {
		t.Fatal(err)
	}
	// The secret volume directories are mode 0755 under a 0700 temp dir the
	// container's user could not enter.
	if err := os.Chmod(p.SecretDir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, _ = podman(context.Background(), nil, "rm", "--force", "--ignore", p.Name)
	if _, err := podman(t.Context(), run.Env, append([]string{"run", "--detach"}, run.Args...)...); err != nil {
		t.Fatalf("run %s: %v", p.Name, err)
	}
	c := &container{name: p.Name}
	for _, ctr := range p.Spec.Containers {
		if p.Container == "" || ctr.Name == p.Container {
			c.spec = ctr
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := podmanLogs(context.Background(), c.name)
			t.Logf("logs of %s:\n%s", c.name, logs)
		}
		if _, err := podman(context.Background(), nil, "rm", "--force", "--ignore", "--time", "10", c.name); err != nil {
			t.Errorf("remove %s: %v", c.name, err)
		}
	})
	return c
}

// forbiddenLog matches what a container logs when the pod's security
// context takes away something it needs.
var forbiddenLog = regexp.MustCompile(`(?i)read-only file system|permission denied`)

// checkLogs fails the test if the container's logs say it was refused a write.
func (c *container) checkLogs(t *testing.T) {
	t.Helper()
	logs, err := podmanLogs(t.Context(), c.name)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(logs, "\n") {
		if forbiddenLog.MatchString(line) {
			t.Errorf("%s logged %q", c.name, line)
		}
	}
}

// running fails the test if the container has exited.
func (c *container) running(t *testing.T) {
	t.Helper()
	state, err := podman(t.Context(), nil, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", c.name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(state, "running") {
		t.Fatalf("%s is not running: %s", c.name, state)
	}
}

// hostPort is where a container port is reachable from the test: itself on
// the host network, else the port podman published on 127.0.0.1.
func (c *container) hostPort(t *testing.T, port int32, hostNetwork bool) string {
	t.Helper()
	if hostNetwork {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	}
	out, err := podman(t.Context(), nil, "port", c.name, fmt.Sprintf("%d/tcp", port))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(out)[0]
}

// namedPort resolves a probe's port, by number or by the container's name for it.
func (c *container) namedPort(t *testing.T, probe *corev1.Probe) int32 {
	t.Helper()
	port := probe.HTTPGet.Port
	if port.IntValue() > 0 {
		return int32(port.IntValue())
	}
	for _, p := range c.spec.Ports {
		if p.Name == port.String() {
			return p.ContainerPort
		}
	}
	t.Fatalf("%s: the probe's port %q is none of the container's", c.name, port.String())
	return 0
}

// probeOnce runs a probe as the kubelet does: an exec probe's command in
// the container (exit 0), an HTTP probe's GET (a status from 200 to 399),
// within the probe's timeout.
func (c *container) probeOnce(ctx context.Context, t *testing.T, probe *corev1.Probe, hostNetwork bool) error {
	timeout := time.Duration(max(probe.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case probe.Exec != nil:
		_, err := podman(ctx, nil, append([]string{"exec", c.name}, probe.Exec.Command...)...)
		return err
	case probe.HTTPGet != nil:
		url := "http://" + c.hostPort(t, c.namedPort(t, probe), hostNetwork) + probe.HTTPGet.Path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
	return fmt.Errorf("%s: a probe with neither exec nor httpGet", c.name)
}

// waitProbe waits until the probe passes, for as long as the kubelet would
// before giving up on it (failureThreshold × period after the initial
// delay), and at least a minute on this busy machine.
func (c *container) waitProbe(t *testing.T, kind string, probe *corev1.Probe, hostNetwork bool) {
	t.Helper()
	if probe == nil {
		t.Fatalf("%s declares no %s probe", c.name, kind)
	}
	period := time.Duration(max(probe.PeriodSeconds, 1)) * time.Second
	budget := time.Duration(probe.InitialDelaySeconds)*time.Second + time.Duration(max(probe.FailureThreshold, 3))*period
	deadline := time.Now().Add(max(budget, time.Minute))
	var err error
	for time.Now().Before(deadline) {
		if err = c.probeOnce(t.Context(), t, probe, hostNetwork); err == nil {
			t.Logf("%s: %s probe passes", c.name, kind)
			return
		}
		c.running(t)
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: the %s probe did not pass: %v", c.name, kind, err)
}

// probes waits for each probe the container declares to pass.
func (c *container) probes(t *testing.T, hostNetwork bool) {
	t.Helper()
	if c.spec.StartupProbe != nil {
		c.waitProbe(t, "startup", c.spec.StartupProbe, hostNetwork)
	}
	c.waitProbe(t, "readiness", c.spec.ReadinessProbe, hostNetwork)
	c.waitProbe(t, "liveness", c.spec.LivenessProbe, hostNetwork)
}

// portFree fails the test when something on the host listens on a port a
// host-network container needs.
func portFree(t *testing.T, port int32) {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		t.Fatalf("port %d is taken on this host, and the pod listens there: %v", port, err)
	}
	l.Close()
}

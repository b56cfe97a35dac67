package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/procfs"

	"github.com/mojin/charsim/internal/testenv"
)

// Bounds on the manager process.
const (
	managerReadyTimeout = 2 * time.Minute
	managerStopTimeout  = 20 * time.Second
)

// workersStarted is what controller-runtime logs once the caches are synced
// and the reconciler runs.
const workersStarted = "Starting workers"

// buildManager builds main.go (the operator's manager) into dir.
func buildManager(ctx context.Context, dir string) (string, error) {
	binary, err := filepath.Abs(filepath.Join(dir, "manager"))
	if err != nil {
		return "", err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, ".")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the manager: %w\n%s", err, out)
	}
	return binary, nil
}

// managerProcess is a running manager binary.
type managerProcess struct {
	cmd         *exec.Cmd
	metricsAddr string
	exited      chan error
	ready       chan struct{}
}

// startManager runs the manager against kubeconfig, with plain-HTTP metrics
// on a loopback port and its log in logPath.
func startManager(ctx context.Context, binary, kubeconfig, logPath string) (*managerProcess, error) {
	metricsAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the manager log: %w", err)
	}
	cmd := exec.CommandContext(ctx, binary,
		"--metrics-bind-address="+metricsAddr, "--metrics-secure=false",
		"--health-probe-bind-address=0", "--leader-elect=false")
	// Exactly this environment: nothing leaks in from the benchmark's own.
	cmd.Env = []string{"KUBECONFIG=" + kubeconfig, "HOME=" + filepath.Dir(logPath)}
	cmd.Stdout = logFile
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	m := &managerProcess{cmd: cmd, metricsAddr: metricsAddr, exited: make(chan error, 1), ready: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		scanner := bufio.NewScanner(stderr)
		scanner.Buffer(make([]byte, 64*1024), 1024*1024)
		signalled := false
		for scanner.Scan() {
			line := scanner.Text()
			fmt.Fprintln(logFile, line)
			if !signalled && strings.Contains(line, workersStarted) {
				close(m.ready)
				signalled = true
			}
		}
		_, _ = io.Copy(logFile, stderr)
	}()
	go func() {
		<-copied
		m.exited <- cmd.Wait()
		logFile.Close()
	}()
	return m, nil
}

// waitReady waits until the reconciler's workers run.
func (m *managerProcess) waitReady(ctx context.Context) error {
	select {
	case <-m.ready:
		return nil
	case err := <-m.exited:
		return fmt.Errorf("the manager exited before it was ready: %v", err)
	case <-time.After(managerReadyTimeout):
		return fmt.Errorf("the manager was not ready after %s", managerReadyTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop ends the manager with SIGTERM, as Kubernetes would.
func (m *managerProcess) stop() error {
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-m.exited:
		return nil
	case <-time.After(managerStopTimeout):
		_ = m.cmd.Process.Kill()
		<-m.exited
		return fmt.Errorf("the manager did not stop within %s of SIGTERM", managerStopTimeout)
	}
}

// usage is what the manager process has used so far.
type usage struct {
	// peakRSS and rss are the peak and current resident set size in bytes
	// (VmHWM, VmRSS): the manager's own, not the benchmark's.
	peakRSS, rss uint64
	// cpuSeconds is the user and system CPU time.
	cpuSeconds float64
}

func (m *managerProcess) usage() (usage, error) {
	proc, err := procfs.NewProc(m.cmd.Process.Pid)
	if err != nil {
		return usage{}, fmt.Errorf("find the manager in /proc: %w", err)
	}
	status, err := proc.NewStatus()
	if err != nil {
		return usage{}, fmt.Errorf("read the manager's memory: %w", err)
	}
	stat, err := proc.Stat()
	if err != nil {
		return usage{}, fmt.Errorf("read the manager's CPU time: %w", err)
	}
	return usage{peakRSS: status.VmHWM, rss: status.VmRSS, cpuSeconds: stat.CPUTime()}, nil
}

// simulationController names the CharacterSimulation controller in metrics.
const simulationController = "charactersimulation"

// reconcileTotals are the manager's CharacterSimulation reconciles so far and the seconds they
// took, from controller-runtime's own metrics.
type reconcileTotals struct {
	count, seconds float64
}

func (t reconcileTotals) minus(earlier reconcileTotals) reconcileTotals {
	return reconcileTotals{count: t.count - earlier.count, seconds: t.seconds - earlier.seconds}
}

func (m *managerProcess) reconciles(ctx context.Context) (reconcileTotals, error) {
	var totals reconcileTotals
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.metricsAddr+"/metrics", nil)
	if err != nil {
		return totals, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return totals, fmt.Errorf("scrape the manager's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return totals, fmt.Errorf("scrape the manager's metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return totals, fmt.Errorf("parse the manager's metrics: %w", err)
	}
	if f, ok := families["controller_runtime_reconcile_time_seconds"]; ok {
		for _, metric := range f.GetMetric() {
			for _, label := range metric.GetLabel() {
				if label.GetName() == "controller" && label.GetValue() == simulationController {
					totals.count += float64(metric.GetHistogram().GetSampleCount())
					totals.seconds += metric.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	return totals, nil
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free right now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

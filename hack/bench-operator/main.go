// Command bench-operator measures the charsim operator the way a cluster
// uses it. For each N it starts a fresh envtest API server and etcd, runs the
// real manager binary (built from main.go) against it through a counting
// proxy on 127.0.0.1, as a user bound to the generated manager ClusterRole,
// creates N CharacterSimulations and prints:
//
//   - the seconds until every child exists, the same figure for a baseline
//     that makes the same writes directly (fresh control plane, no manager,
//     as many workers as the manager reconciles at once), and their ratio;
//
//   - API write requests per simulation until the manager is quiet, by
//     children, status and Events, and the real changes among them (watch
//     events: a server-side apply that changes nothing makes none);
//
//   - write requests, real changes and reconciles during the steady state;
//
//   - the manager process's peak resident set size (VmHWM).
//
//     make bench-operator                          # N = 100 and 500, 60 s steady state
//     go run ./hack/bench-operator -n 50 -steady 10s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/procfs"
	ctrl "sigs.k8s.io/controller-runtime"
)

// options are the command-line flags.
type options struct {
	sizes   []int
	steady  time.Duration
	quiet   time.Duration
	dir     string
	timeout time.Duration
}

// logf prints a progress line.
type logf func(format string, args ...any)

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-operator:", err)
		os.Exit(2)
	}
	// envtest logs through controller-runtime; its errors reach us as errors.
	ctrl.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench-operator:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	var sizes string
	fs := flag.NewFlagSet("bench-operator", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&sizes, "n", "100,500", "comma-separated numbers of CharacterSimulations")
	fs.DurationVar(&o.steady, "steady", 60*time.Second, "how long to count writes in the steady state after convergence")
	fs.DurationVar(&o.quiet, "quiet", 5*time.Second, "how long the manager must write nothing before it counts as converged")
	fs.StringVar(&o.dir, "dir", ".local/bench-operator", "working directory (manager binary, kubeconfigs, manager logs)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Minute, "upper bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for field := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-n: %q is not a positive number", field)
		}
		o.sizes = append(o.sizes, n)
	}
	switch {
	case o.steady <= 0:
		return o, fmt.Errorf("-steady must be positive, got %s", o.steady)
	case o.quiet <= 0:
		return o, fmt.Errorf("-quiet must be positive, got %s", o.quiet)
	case o.timeout <= 0:
		return o, fmt.Errorf("-timeout must be positive, got %s", o.timeout)
	case o.dir == "":
		return o, errors.New("-dir must not be empty")
	}
	return o, nil
}

func run(ctx context.Context, opts options, stdout, stderr io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "bench-operator: "+format+"\n", args...)
	}
	for _, n := range opts.sizes {
		if err := os.MkdirAll(fmt.Sprintf("%s/n%d", opts.dir, n), 0o755); err != nil {
			return err
		}
	}
	load := "unknown"
	if fs, err := procfs.NewDefaultFS(); err == nil {
		if avg, err := fs.LoadAvg(); err == nil {
			load = fmt.Sprintf("%.2f %.2f %.2f", avg.Load1, avg.Load5, avg.Load15)
		}
	}
	logf("building the manager")
	binary, err := buildManager(ctx, opts.dir)
	if err != nil {
		return err
	}
	var results []figures
	for _, n := range opts.sizes {
		f := figures{n: n}
		if err := measureManager(ctx, opts, binary, &f, logf); err != nil {
			return fmt.Errorf("N=%d, manager: %w", n, err)
		}
		if err := measureBaseline(ctx, &f, logf); err != nil {
			return fmt.Errorf("N=%d, baseline: %w", n, err)
		}
		results = append(results, f)
	}
	return report(stdout, results, load)
}

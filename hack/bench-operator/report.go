package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/mojin/charsim/internal/testenv"
)

// Targets of the issue.
const (
	targetRatio    = 1.5
	targetRSSMiB   = 150
	targetRSSUpToN = 500 // the RSS target holds up to this many simulations
)

const mib = 1 << 20

// report prints one column per N and a verdict per target. load is the
// machine's load average when the run began, for judging the figures.
func report(out io.Writer, results []figures, load string) error {
	if len(results) == 0 {
		return nil
	}
	fmt.Fprintf(out, "\ncharsim operator on envtest (kube-apiserver %s), %d CPUs, load average %s at the start, "+
		"%d children per simulation, %d reconcile worker(s); manager and baseline each on a fresh control plane\n\n",
		testenv.KubernetesVersion, runtime.NumCPU(), load, results[0].childrenPerSim, concurrency)
	// Labels left, figures right-aligned in one column per N.
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(label string, cell func(f figures) string) {
		fmt.Fprint(tw, label)
		for _, f := range results {
			fmt.Fprintf(tw, "\t%10s", cell(f))
		}
		fmt.Fprintln(tw)
	}
	perCR := func(count int) func(f figures) string {
		return func(f figures) string { return fmt.Sprintf("%.1f", float64(count)/float64(f.n)) }
	}
	row("", func(f figures) string { return fmt.Sprintf("N=%d", f.n) })
	row("seconds until every child exists: manager", func(f figures) string { return fmt.Sprintf("%.2f", f.managerSeconds) })
	row("  creating the CRs (overlaps the above)", func(f figures) string { return fmt.Sprintf("%.2f", f.createSeconds) })
	row("  baseline (same writes, direct)", func(f figures) string { return fmt.Sprintf("%.2f", f.baselineSeconds) })
	row(fmt.Sprintf("  ratio (target ≤ %.1f)", targetRatio), func(f figures) string { return fmt.Sprintf("%.2f", f.ratio()) })
	row("write requests per CR until quiet", func(f figures) string { return perCR(f.converge.total())(f) })
	row("  children", func(f figures) string { return perCR(f.converge.byCategory[categoryChildren])(f) })
	row("  status", func(f figures) string { return perCR(f.converge.byCategory[categoryStatus])(f) })
	row("  events", func(f figures) string { return perCR(f.converge.byCategory[categoryEvents])(f) })
	row("  failed (e.g. conflicts)", func(f figures) string { return perCR(f.converge.failed)(f) })
	row("  baseline", func(f figures) string { return perCR(f.baselineWrites.total())(f) })
	row("real changes per CR until quiet: children", func(f figures) string { return perCR(f.convergeChanges.children)(f) })
	row("  status", func(f figures) string { return perCR(f.convergeChanges.status)(f) })
	row("reconciles per CR until quiet", func(f figures) string { return fmt.Sprintf("%.1f", f.convergeReconcil.count/float64(f.n)) })
	row("  mean milliseconds per reconcile", func(f figures) string {
		return fmt.Sprintf("%.0f", 1000*f.convergeReconcil.seconds/max(f.convergeReconcil.count, 1))
	})
	row("  manager CPU seconds", func(f figures) string { return fmt.Sprintf("%.1f", f.convergeCPU) })
	row("simulations with a current status", func(f figures) string { return fmt.Sprintf("%d/%d", f.withStatus, f.n) })
	row("steady state: seconds measured", func(f figures) string { return fmt.Sprintf("%.0f", f.steadyDuration.Seconds()) })
	row("  write requests (target 0)", func(f figures) string { return fmt.Sprint(f.steady.total()) })
	row("  real changes (target 0)", func(f figures) string {
		return fmt.Sprint(f.steadyChanges.children + f.steadyChanges.status)
	})
	row("  reconciles", func(f figures) string { return fmt.Sprintf("%.0f", f.steadyReconciles.count) })
	row(fmt.Sprintf("manager peak RSS, MiB (target ≤ %d up to N=%d)", targetRSSMiB, targetRSSUpToN),
		func(f figures) string { return fmt.Sprintf("%.1f", float64(f.steadyUsage.peakRSS)/mib) })
	row("  RSS at the end, MiB", func(f figures) string { return fmt.Sprintf("%.1f", float64(f.steadyUsage.rss)/mib) })
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, f := range results {
		fmt.Fprintf(out, "N=%d: %s\n", f.n, strings.Join(f.verdicts(), "; "))
	}
	return nil
}

func (f figures) ratio() float64 {
	if f.baselineSeconds == 0 {
		return 0
	}
	return f.managerSeconds / f.baselineSeconds
}

// verdicts says for each target whether it was met.
func (f figures) verdicts() []string {
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	out := []string{
		fmt.Sprintf("ratio %.2f ≤ %.1f %s", f.ratio(), targetRatio, met(f.ratio() <= targetRatio)),
		fmt.Sprintf("steady-state writes %d %s", f.steady.total(), met(f.steady.total() == 0)),
		fmt.Sprintf("steady-state changes %d %s", f.steadyChanges.children+f.steadyChanges.status,
			met(f.steadyChanges.children+f.steadyChanges.status == 0)),
	}
	if f.n <= targetRSSUpToN {
		peak := f.steadyUsage.peakRSS
		out = append(out, fmt.Sprintf("peak RSS %.0f MiB ≤ %d MiB %s", float64(peak)/mib, targetRSSMiB, met(peak <= targetRSSMiB*mib)))
	}
	return out
}

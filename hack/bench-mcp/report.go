package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mojin/charsim/internal/memory"
)

// Targets from the issue.
const (
	targetRecallP99  = 10 * time.Millisecond // at 100k memories on the embedded store
	targetPeerFactor = 10.0                  // throughput over the npm server at 10k
)

// report prints every figure, the ratios to the npm server and the targets.
func report(w io.Writer, o options, results []runResult, peer *runResult) {
	fmt.Fprintf(w, "\ncharsim MCP benchmark: %d CPUs, %s, %s\n", runtime.NumCPU(), runtime.Version(), time.Now().Format(time.DateTime))
	fmt.Fprintf(w, "Load average (1, 5, 15 min) at the start: %s; at the end: %s (other work on the machine skews the figures).\n",
		o.loadAtStart, loadAverage())
	fmt.Fprintf(w, "Memories are preloaded in bulk through the store, not over MCP, before the server starts; every\n"+
		"measured call is a real MCP tool call: over HTTP on 127.0.0.1 to cmd/mcp-server, over stdio to the npm server.\n"+
		"charsim: builtin embedder (%d dimensions), embedded vector store, memories spread over %d character(s);\n"+
		"latency is per call as the client sees it; RSS is the server process's at the end (now, and its peak).\n",
		memory.DefaultBuiltinDimension, o.characters)
	for _, r := range results {
		if r.dim != memory.DefaultBuiltinDimension {
			fmt.Fprintf(w, "The %d-d row has builtin vectors of %d dimensions, and measures recall with one client only, for the\n"+
				"server's RSS with them (-rss-dim).\n", r.dim, r.dim)
			break
		}
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tN\tpreload\tstartup\top\ttransport\tclients\tops/s\tp50\tp99\tRSS\tpeak RSS\t")
	all := results
	if peer != nil {
		all = append(all[:len(all):len(all)], *peer)
	}
	for _, r := range all {
		for _, s := range r.phases {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", r.system, r.n,
				r.preload.Round(100*time.Millisecond), r.startup.Round(10*time.Millisecond),
				s.op, s.transport, s.clients, s.perSecond(), roundLatency(s.p50), roundLatency(s.p99),
				mebibytes(r.memory.rssKB), mebibytes(r.memory.peakKB))
		}
	}
	tw.Flush()

	fmt.Fprintln(w, "\nTargets:")
	largest := o.sizes[len(o.sizes)-1]
	for _, r := range results {
		if r.n != largest || r.dim != memory.DefaultBuiltinDimension {
			continue
		}
		if s, ok := phaseOf(r, "recall", "http", 1); ok {
			fmt.Fprintf(w, "  recall p99 at %d memories, %s, 1 client: %s (target ≤ %s) %s\n",
				r.n, r.system, roundLatency(s.p99), targetRecallP99, verdict(float64(targetRecallP99)/float64(s.p99)))
		}
	}
	for _, r := range results {
		if r.n != largest {
			continue
		}
		raw := float64(r.n*r.dim*4) / (1 << 20)
		fmt.Fprintf(w, "  server RSS at %d × %d (builtin embedder), %s: %s, peak %s (the float32 vectors alone: %.0f MiB)\n",
			r.n, r.dim, r.system, mebibytes(r.memory.rssKB), mebibytes(r.memory.peakKB), raw)
	}
	if peer == nil {
		return
	}
	for _, r := range results {
		if r.n != peer.n || r.dim != memory.DefaultBuiltinDimension {
			continue
		}
		for _, pair := range [][2]string{{"remember", "store"}, {"recall", "search"}} {
			for _, ours := range r.phases {
				if ours.op != pair[0] {
					continue
				}
				// The npm server is compared at the same concurrency when it
				// was measured so (search), else with its one caller (store).
				theirs, ok := phaseOf(*peer, pair[1], "stdio", ours.clients)
				if !ok {
					if theirs, ok = phaseOf(*peer, pair[1], "stdio", 1); !ok {
						continue
					}
				}
				ratio := ours.perSecond() / theirs.perSecond()
				fmt.Fprintf(w, "  %s/%s throughput at %d, %s over %s with %d client(s) / npm server over stdio with %d: %.1fx (target ≥ %.0fx) %s\n",
					pair[0], pair[1], r.n, r.system, ours.transport, ours.clients, theirs.clients, ratio, targetPeerFactor, verdict(ratio/targetPeerFactor))
			}
		}
	}
}

// phaseOf finds the phase of op over transport with the given number of clients.
func phaseOf(r runResult, op, transport string, clients int) (stats, bool) {
	for _, s := range r.phases {
		if s.op == op && s.transport == transport && s.clients == clients {
			return s, true
		}
	}
	return stats{}, false
}

// verdict says whether a target is met, given measured/target as a factor ≥ 1 when met.
func verdict(factor float64) string {
	if factor >= 1 {
		return "met"
	}
	return fmt.Sprintf("MISSED (%.2fx of target)", factor)
}

func roundLatency(d time.Duration) time.Duration {
	if d >= 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}

func mebibytes(kb int64) string { return fmt.Sprintf("%d MiB", kb/1024) }

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

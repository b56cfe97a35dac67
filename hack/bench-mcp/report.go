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

// reportDense prints the dense mode's table: charsim over MCP and LanceDB in
// its own process, on the same vectors, with recall@10 against the exact top
// 10, the ratios to LanceDB's flat search, and the goal.
func reportDense(w io.Writer, o options, dense []denseResult) {
	fmt.Fprintf(w, "\ncharsim MCP benchmark, dense mode: %d CPUs, %s, %s; load average at the start %s, at the end %s.\n",
		runtime.NumCPU(), runtime.Version(), time.Now().Format(time.DateTime), o.loadAtStart, loadAverage())
	fmt.Fprintf(w, "Vectors: %d dimensions, unit length, every component non-zero (the shape of an embedding model's),\n"+
		"generated: memory i is a Gaussian vector around one of %d cluster centres, a pure function of i. Query q\n"+
		"is a noisy copy of one memory (cosine ≈ 0.94), so its exact top %d is that memory and 9 of its cluster mates\n"+
		"(cosine ≈ 0.47), ranked by small differences. The exact top %d is computed by brute force in Go.\n"+
		"charsim: cmd/mcp-server with EMBEDDING_PROVIDER=openai, EMBEDDING_BASE_URL at a local OpenAI-compatible\n"+
		"/v1/embeddings endpoint that the benchmark runs (model %q, %d dimensions; it answers the vector\n"+
		"of each text, the tag at the end of the text saying which); the memories' vectors are preloaded through\n"+
		"the store before the server starts, and every query is embedded through the endpoint, one request per recall.\n"+
		"Latency is the whole recall tool call (limit %d) over HTTP with one client, as it sees it, the embeddings\n"+
		"request included (\"embed\": the endpoint's own time per request).\n"+
		"  vector only: RECALL_FUSION=vector, RECALL_WEIGHT_RECENCY=0, RECALL_WEIGHT_IMPORTANCE=0: ranked by cosine\n"+
		"    alone. Its recall@%d is the one the goal is about.\n"+
		"  default: the server's defaults for an embedding model (RECALL_FUSION unset: here %s, BM25 and vector\n"+
		"    rankings fused; recency and importance priors), a second server on the same store. Fusion reorders the\n"+
		"    vector ranking on purpose (the query words match memories' words), so its recall@%d against the exact\n"+
		"    vector top %d is shown, not aimed at.\n"+
		"%s@%s: the same query vectors in its own node process (no MCP, no HTTP, no embedding), from\n"+
		"a table on disk (cached), top %d, timed around each awaited search; indexes with their default build\n"+
		"parameters, queried with their default settings and with one setting that trades speed for recall.\n"+
		"Memories are spread over %d character(s); recall searches one character's, LanceDB filters on it when\n"+
		"there are several. \"÷ flat\" is the ratio to LanceDB flat's p50 and p99 at the same N.\n\n",
		denseDim, denseClusters, denseK, denseK, denseModel, denseDim, denseK, denseK, defaultFusion(dense), denseK, denseK,
		lancePackage, lanceVersion, denseK, o.characters)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "system\tN\tqueries\tp50\tp99\trecall@10\t÷ flat p50\t÷ flat p99\tembed p50 / p99\tRSS\tpeak RSS\tsetup\t")
	for _, d := range dense {
		flatP50, flatP99 := time.Duration(0), time.Duration(0)
		if flat, ok := d.lanceRun("flat"); ok {
			flatP50, flatP99 = latencyStats(flat.Latencies)
		}
		ratio := func(x, flat time.Duration) string {
			if flat == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", float64(x)/float64(flat))
		}
		for _, c := range d.charsim {
			for i, r := range c.runs {
				setup := fmt.Sprintf("startup %s", r.startup.Round(10*time.Millisecond))
				if i == 0 {
					setup = fmt.Sprintf("preload %s, %s", c.preload.Round(100*time.Millisecond), setup)
				}
				fmt.Fprintf(tw, "charsim %s, %s\t%d\t%d\t%s\t%s\t%.4f\t%s\t%s\t%s / %s\t%s\t%s\t%s\t\n",
					c.backend, r.label(), d.n, r.recall.ops, roundLatency(r.recall.p50), roundLatency(r.recall.p99), r.recallK,
					ratio(r.recall.p50, flatP50), ratio(r.recall.p99, flatP99),
					roundLatency(r.embedP50), roundLatency(r.embedP99), mebibytes(r.memory.rssKB), mebibytes(r.memory.peakKB), setup)
			}
		}
		if d.lance == nil {
			continue
		}
		for i, r := range d.lance.Runs {
			p50, p99 := latencyStats(r.Latencies)
			setup := fmt.Sprintf("load %s", (time.Duration(d.lance.LoadMs) * time.Millisecond).Round(100*time.Millisecond))
			if i > 0 {
				setup = fmt.Sprintf("index build %s", (time.Duration(r.BuildMs) * time.Millisecond).Round(100*time.Millisecond))
			}
			rss, peak := "", ""
			if i == len(d.lance.Runs)-1 {
				rss, peak = mebibytes(d.lance.RSSKB), mebibytes(d.lance.PeakKB)
			}
			fmt.Fprintf(tw, "LanceDB %s (%s)\t%d\t%d\t%s\t%s\t%.4f\t%s\t%s\t-\t%s\t%s\t%s\t\n",
				r.Name, lanceDistance(r.Name), d.n, len(r.Latencies), roundLatency(p50), roundLatency(p99), d.lanceRecall[r.Name],
				ratio(p50, flatP50), ratio(p99, flatP99), rss, peak, setup)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "(LanceDB's RSS is its node process's after the last configuration, table and indexes loaded. "+
		"Brute-force top %d in Go: %s.)\n", denseK, exactTimes(dense))
	for _, d := range dense {
		if d.lance == nil {
			continue
		}
		for _, r := range d.lance.Runs {
			if r.Name != "flat" && !strings.Contains(r.Name, " ") {
				fmt.Fprintf(w, "(LanceDB %s at %d: %s.)\n", r.Name, d.n, r.Params)
			}
		}
	}

	fmt.Fprintln(w, "\nGoal: charsim (vector only) recall p99 ≤ LanceDB flat p99, at recall@10 = 1.0:")
	for _, d := range dense {
		flat, ok := d.lanceRun("flat")
		for _, c := range d.charsim {
			r := c.runs[0]
			if !ok {
				fmt.Fprintf(w, "  %d, charsim %s: p99 %s, recall@10 %.4f (LanceDB not measured)\n", d.n, c.backend, roundLatency(r.recall.p99), r.recallK)
				continue
			}
			_, flatP99 := latencyStats(flat.Latencies)
			var missed []string
			if r.recall.p99 > flatP99 {
				missed = append(missed, fmt.Sprintf("p99 %.2fx LanceDB flat's", float64(r.recall.p99)/float64(flatP99)))
			}
			if r.recallK < 1 {
				missed = append(missed, "recall@10 below 1.0")
			}
			status := "met"
			if missed != nil {
				status = "MISSED (" + strings.Join(missed, ", ") + ")"
			}
			fmt.Fprintf(w, "  %d, charsim %s: p99 %s vs LanceDB flat %s (%.2fx), recall@10 %.4f vs %.4f: %s\n",
				d.n, c.backend, roundLatency(r.recall.p99), roundLatency(flatP99), float64(r.recall.p99)/float64(flatP99),
				r.recallK, d.lanceRecall["flat"], status)
		}
	}
}

// lanceDistance is the distance type of a LanceDB configuration.
func lanceDistance(name string) string {
	for _, c := range lanceConfigs {
		if c.Name == name {
			return c.Distance
		}
	}
	return "?"
}

// lanceRun finds a LanceDB run by name.
func (d denseResult) lanceRun(name string) (lanceRun, bool) {
	if d.lance == nil {
		return lanceRun{}, false
	}
	for _, r := range d.lance.Runs {
		if r.Name == name {
			return r, true
		}
	}
	return lanceRun{}, false
}

func exactTimes(dense []denseResult) string {
	parts := make([]string, len(dense))
	for i, d := range dense {
		parts[i] = fmt.Sprintf("%s at %d", d.exact.Round(time.Millisecond), d.n)
	}
	return strings.Join(parts, ", ")
}

// defaultFusion is the fusion mode of the dense runs with the default settings.
func defaultFusion(dense []denseResult) string {
	for _, d := range dense {
		for _, c := range d.charsim {
			for _, r := range c.runs {
				if len(r.setting.env) == 0 {
					return r.fusion
				}
			}
		}
	}
	return "?"
}

package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// Targets from issue 13, in percentage points of R@10.
const (
	targetOverBaseline = 5.0  // fusion over BM25 alone and over vectors alone
	targetLangGap      = 10.0 // |zh − en| of fusion on the parallel MemoryBank
	targetBackendGap   = 1.0  // |sqlite − postgres|, every row
)

// pp is a difference of two shares in percentage points.
func pp(a, b float64) float64 { return 100 * (a - b) }

// report prints the markdown table, then the deltas the targets need.
func report(w io.Writer, o options, rows []row, took time.Duration) {
	times := "occurred_at = the day at noon UTC"
	if o.noTimes {
		times = "no occurred_at (-no-times)"
	}
	fmt.Fprintf(w, "\nbench-recall: %d CPUs, %s, %s, took %s. Real cmd/mcp-server over HTTP, builtin embedder,\n"+
		"one character per user, every memory stored with remember (%s), recall limit %d.\n"+
		"R@k = share of a question's evidence in the top k, averaged; hit@10 = any evidence in the top 10.\n\n",
		runtime.NumCPU(), runtime.Version(), time.Now().Format(time.DateTime), took.Round(time.Second), times, recallLimit)

	fmt.Fprintln(w, "| dataset | lang | backend | mode | n | R@5 | R@10 | hit@10 |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %.3f | %.3f | %.3f |\n", r.dataset, r.lang, r.backend, r.mode, r.n, r.r5, r.r10, r.hit10)
	}

	find := func(dataset, lang, backend, mode string) (row, bool) {
		for _, r := range rows {
			if r.dataset == dataset && r.lang == lang && r.backend == backend && r.mode == mode {
				return r, true
			}
		}
		return row{}, false
	}
	var lines []string
	for _, backend := range o.backends {
		for _, dataset := range o.datasets {
			for _, lang := range o.langs {
				fusion, ok := find(dataset, lang, backend, "fusion")
				if !ok {
					continue
				}
				for _, base := range []string{"bm25", "vector"} {
					if b, ok := find(dataset, lang, backend, base); ok {
						d := pp(fusion.r10, b.r10)
						lines = append(lines, fmt.Sprintf("%s %s %s: fusion R@10 − %s R@10 = %+.1f pp (target ≥ +%.0f) %s",
							dataset, lang, backend, base, d, targetOverBaseline, verdict(d >= targetOverBaseline)))
					}
				}
			}
			if dataset == datasetMemoryBank {
				zh, okZH := find(dataset, "zh", backend, "fusion")
				en, okEN := find(dataset, "en", backend, "fusion")
				if okZH && okEN {
					d := pp(zh.r10, en.r10)
					lines = append(lines, fmt.Sprintf("%s %s: fusion R@10 zh − en = %+.1f pp (target within ±%.0f) %s",
						dataset, backend, d, targetLangGap, verdict(d >= -targetLangGap && d <= targetLangGap)))
				}
			}
		}
	}
	if ignoresFusion(rows) {
		lines = append(lines, "every bm25 row equals its vector row: this server ignores RECALL_FUSION")
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "\nTargets:")
		for _, l := range lines {
			fmt.Fprintln(w, "- "+l)
		}
	}

	if len(o.backends) < 2 {
		return
	}
	fmt.Fprintln(w, "\nsqlite − postgres, pp (target: every |Δ| ≤ 1):")
	fmt.Fprintln(w, "\n| dataset | lang | mode | ΔR@5 | ΔR@10 | Δhit@10 | |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | --- |")
	for _, r := range rows {
		if r.backend != "sqlite" {
			continue
		}
		p, ok := find(r.dataset, r.lang, "postgres", r.mode)
		if !ok {
			continue
		}
		d := []float64{pp(r.r5, p.r5), pp(r.r10, p.r10), pp(r.hit10, p.hit10)}
		within := true
		for _, x := range d {
			within = within && x >= -targetBackendGap && x <= targetBackendGap
		}
		fmt.Fprintf(w, "| %s | %s | %s | %+.1f | %+.1f | %+.1f | %s |\n", r.dataset, r.lang, r.mode, d[0], d[1], d[2], verdict(within))
	}
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return strings.ToUpper("missed")
}

// ignoresFusion reports whether every bm25 row scores exactly as the vector
// row of the same dataset, language and backend: a server without
// RECALL_FUSION ranks both the same way.
func ignoresFusion(rows []row) bool {
	pairs := 0
	for _, b := range rows {
		if b.mode != "bm25" {
			continue
		}
		for _, v := range rows {
			if v.mode == "vector" && v.dataset == b.dataset && v.lang == b.lang && v.backend == b.backend {
				if v.scores != b.scores {
					return false
				}
				pairs++
			}
		}
	}
	return pairs > 0
}

package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// The embedded vector database the dense mode compares with, pinned, and
// its peer dependency apache-arrow, pinned to the newest version it accepts
// (">=15.0.0 <=18.1.0"), which lancedb.cjs builds the table with.
const (
	lancePackage = "@lancedb/lancedb"
	lanceVersion = "0.31.0"
	arrowPackage = "apache-arrow"
	arrowVersion = "18.1.0"
	// lanceWarmup is the number of unmeasured queries before each configuration.
	lanceWarmup = 20
)

// lanceConfig is one LanceDB search configuration: flat (no index) or an
// index with its default build parameters, and query settings.
type lanceConfig struct {
	Name     string `json:"name"`
	Index    string `json:"index,omitempty"` // "", "ivf_pq", "hnsw_sq", "ivf_flat"
	Distance string `json:"distance"`
	Refine   int    `json:"refine,omitempty"` // refineFactor: re-rank refine·k candidates exactly
	EF       int    `json:"ef,omitempty"`     // HNSW candidates (LanceDB's default 1.5·k)
}

// lanceConfigs are measured in this order. The vectors are unit vectors, so
// the dot product ranks as the cosine does; flat search and IVF_PQ use it,
// as it costs LanceDB the least (its flat search with "cosine" takes twice
// as long). HNSW_SQ uses "cosine": LanceDB 0.31's HNSW graph built for
// "dot" finds a third of the top 10 on these vectors, against nine in ten
// for "cosine" or "l2". IVF_PQ and HNSW_SQ are LanceDB's classic and graph
// indexes (it also has IVF_FLAT, IVF_RQ and HNSW_PQ); each is measured with
// its default query settings and with one setting that trades speed for
// recall.
var lanceConfigs = []lanceConfig{
	{Name: "flat", Distance: "dot"},
	{Name: "ivf_pq", Index: "ivf_pq", Distance: "dot"},
	{Name: "ivf_pq refine=10", Index: "ivf_pq", Distance: "dot", Refine: 10},
	{Name: "hnsw_sq", Index: "hnsw_sq", Distance: "cosine"},
	{Name: "hnsw_sq ef=100", Index: "hnsw_sq", Distance: "cosine", EF: 100},
}

//go:embed lancedb.cjs
var lanceScript []byte

// lanceRun is one search configuration measured by lancedb.cjs.
type lanceRun struct {
	Name      string    `json:"name"`
	BuildMs   float64   `json:"build_ms"`
	Params    string    `json:"params"`
	Latencies []float64 `json:"latencies_us"`
	IDs       [][]int   `json:"ids"`
}

// lanceResult is lancedb.cjs's output.
type lanceResult struct {
	LoadMs float64    `json:"load_ms"`
	Runs   []lanceRun `json:"runs"`
	RSSKB  int64      `json:"rss_kb"`
	PeakKB int64      `json:"peak_kb"`
}

// installLance installs the pinned packages under dir with npm i -E (once)
// and returns the prefix they are installed in.
func installLance(ctx context.Context, dir string) (string, error) {
	prefix, err := filepath.Abs(filepath.Join(dir, "npm-lancedb"))
	if err != nil {
		return "", err
	}
	// read returns the installed version of a package, or "".
	read := func(pkg string) string {
		b, err := os.ReadFile(filepath.Join(prefix, "node_modules", filepath.FromSlash(pkg), "package.json"))
		if err != nil {
			return ""
		}
		var installed struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &installed) != nil {
			return ""
		}
		return installed.Version
	}
	if read(lancePackage) != lanceVersion || read(arrowPackage) != arrowVersion {
		if err := os.MkdirAll(prefix, 0o755); err != nil {
			return "", err
		}
		install := exec.CommandContext(ctx, "npm", "i", "-E", "--prefix", prefix, "--no-audit", "--no-fund",
			"--loglevel=error", lancePackage+"@"+lanceVersion, arrowPackage+"@"+arrowVersion)
		install.Dir = prefix
		if out, err := install.CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm i -E %s@%s %s@%s: %w\n%s", lancePackage, lanceVersion, arrowPackage, arrowVersion, err, out)
		}
		for pkg, want := range map[string]string{lancePackage: lanceVersion, arrowPackage: arrowVersion} {
			if got := read(pkg); got != want {
				return "", fmt.Errorf("npm installed %s %q, want %s", pkg, got, want)
			}
		}
	}
	return prefix, nil
}

// lanceMeta is meta.json for lancedb.cjs.
type lanceMeta struct {
	N               int           `json:"n"`
	Dim             int           `json:"dim"`
	K               int           `json:"k"`
	Characters      int           `json:"characters"`
	QueryCharacters []int         `json:"query_characters"`
	Warmup          int           `json:"warmup"`
	Configs         []lanceConfig `json:"configs"`
}

// runLance writes the vectors to a new directory under dir and measures
// LanceDB's configs on them with lancedb.cjs in its own node process.
func runLance(ctx context.Context, prefix, dir string, configs []lanceConfig, memories, queries *vectors, queryCharacters []int, characters, k int, log logf) (lanceResult, error) {
	var result lanceResult
	work, err := os.MkdirTemp(dir, "lancedb-")
	if err != nil {
		return result, fmt.Errorf("create a data directory: %w", err)
	}
	defer os.RemoveAll(work)
	if work, err = filepath.Abs(work); err != nil {
		return result, err
	}
	meta := lanceMeta{N: memories.len(), Dim: memories.dim, K: k, Characters: characters, QueryCharacters: queryCharacters,
		Warmup: lanceWarmup, Configs: configs}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return result, err
	}
	if err := os.WriteFile(filepath.Join(work, "meta.json"), metaJSON, 0o644); err != nil {
		return result, err
	}
	for name, v := range map[string]*vectors{"memories.f32": memories, "queries.f32": queries} {
		if err := writeFloats(filepath.Join(work, name), v.data); err != nil {
			return result, err
		}
	}
	script := filepath.Join(prefix, "bench-lancedb.cjs")
	if err := os.WriteFile(script, lanceScript, 0o644); err != nil {
		return result, err
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", script, work)
	cmd.Dir = prefix
	// LanceDB's Rust log says what it does at level warn (new datasets,
	// deprecations); only errors are worth the progress output.
	cmd.Env = append(os.Environ(), "LANCEDB_LOG="+cmp.Or(os.Getenv("LANCEDB_LOG"), "error"))
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return result, err
	}
	var lastLines []string
	if err := cmd.Start(); err != nil {
		return result, fmt.Errorf("start node: %w", err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		log("%s", line)
		lastLines = append(lastLines[max(0, len(lastLines)-19):], line)
	}
	if err := cmd.Wait(); err != nil {
		return result, fmt.Errorf("node %s: %w\n%s", script, err, bytes.Join(toBytes(lastLines), []byte("\n")))
	}
	if err := json.Unmarshal(stdout.Bytes(), &result); err != nil {
		return result, fmt.Errorf("parse the output of %s: %w", script, err)
	}
	return result, nil
}

func toBytes(lines []string) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out
}

// writeFloats writes xs as little-endian float32s.
func writeFloats(path string, xs []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b [4]byte
	for _, x := range xs {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		if _, err := w.Write(b[:]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// latencyStats turns lancedb.cjs's microseconds into sorted durations' p50 and p99.
func latencyStats(us []float64) (p50, p99 time.Duration) {
	d := make([]time.Duration, len(us))
	for i, x := range us {
		d[i] = time.Duration(x * float64(time.Microsecond))
	}
	slices.Sort(d)
	return percentile(d, 50), percentile(d, 99)
}

// The dense mode: recall with dense 768-dimensional vectors (densevec.go),
// which the server gets for its queries from the benchmark's own
// OpenAI-compatible endpoint (embedserver.go), measured over MCP with one
// client and compared, on the same vectors, with LanceDB (lancedb.go) and
// with the exact top 10 (exact.go).

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/memory"
)

// denseK is the number of memories a dense recall asks for, and the k of recall@k.
const denseK = 10

// denseModel is the model name the server sends to the benchmark's endpoint.
const denseModel = "bench-dense-768"

// denseResult is the dense mode at one size: charsim on each backend and
// LanceDB, on the same memory and query vectors, against the exact top 10.
type denseResult struct {
	n       int
	queries int
	exact   time.Duration // brute-force top 10 of every query, in Go
	charsim []denseCharsim
	lance   *lanceResult
	// lanceRecall is recall@10 of each LanceDB run, by name.
	lanceRecall map[string]float64
}

// denseCharsim is charsim's recall on one backend: one store, preloaded
// once, and one server process per recall setting, one after the other.
type denseCharsim struct {
	backend string
	preload time.Duration
	runs    []denseServerRun
}

// denseServerRun is one server process with one recall setting.
type denseServerRun struct {
	setting denseSetting
	fusion  string // the server's RECALL_FUSION mode, as it reads its environment
	startup time.Duration
	recall  stats   // one client over HTTP
	recallK float64 // recall@10 against the exact top 10
	// embedP50 and embedP99 are the benchmark endpoint's own time per
	// embeddings request during the measured recalls (part of each recall).
	embedP50, embedP99 time.Duration
	memory             processMemory
}

// denseSetting is a recall configuration of the server, by environment.
type denseSetting struct {
	name string   // for the table
	env  []string // added to the server's environment
}

// denseSettings are measured in this order. The first ranks by vector
// similarity alone, so that its top 10 is comparable with the exact one
// and with LanceDB's: no lexical ranking, no recency or importance term.
// The second is what a user gets: the server's default fusion of the BM25
// and vector rankings for an embedding model, then the priors; it reorders
// the vector top 10 on purpose, so its recall@10 against the exact vector
// top 10 is shown, not aimed at.
var denseSettings = []denseSetting{
	{name: "vector only", env: []string{"RECALL_FUSION=vector", "RECALL_WEIGHT_RECENCY=0", "RECALL_WEIGHT_IMPORTANCE=0"}},
	{name: "default"},
}

// label names the run in the table: the default's fusion mode is the
// server's own.
func (r denseServerRun) label() string {
	if len(r.setting.env) == 0 {
		return fmt.Sprintf("%s (%s+priors)", r.setting.name, r.fusion)
	}
	return r.setting.name
}

// denseData are the vectors of one size: memory i's is row i.
type denseData struct {
	memories, queries *vectors
	targets           []int // query q is a noisy copy of memory targets[q]
	queryCharacters   []int // the character query q searches (its target's)
	exact             [][]int
}

// makeDenseData generates the memory and query vectors (over the CPUs) and
// the exact top k of every query.
func makeDenseData(n, queries, characters int) (*denseData, time.Duration) {
	d := &denseData{
		memories: &vectors{dim: denseDim, data: make([]float32, n*denseDim)},
		queries:  &vectors{dim: denseDim, data: make([]float32, 0, queries*denseDim)},
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				copy(d.memories.row(i), denseMemoryVector(i))
			}
		})
	}
	wg.Wait()
	for q := range queries {
		target := denseTarget(q, n)
		d.targets = append(d.targets, target)
		d.queryCharacters = append(d.queryCharacters, target%characters)
		d.queries.add(denseQueryVector(q, target))
	}
	start := time.Now()
	d.exact = exactTopK(d.memories, d.queries, d.queryCharacters, characters, denseK)
	return d, time.Since(start)
}

// benchDense runs the dense mode at size n.
func benchDense(ctx context.Context, o options, binary string, n int, pg *postgresServer, emb *embeddingsServer, lancePrefix string, log logf) (denseResult, error) {
	result := denseResult{n: n, queries: o.ops}
	log("dense: generating %d memory and %d query vectors (%d dimensions), exact top %d by brute force", n, o.ops, denseDim, denseK)
	data, exact := makeDenseData(n, o.ops, o.characters)
	result.exact = exact
	log("dense: exact top %d of %d queries in %s", denseK, o.ops, exact.Round(time.Millisecond))
	for _, backend := range o.backends {
		log("dense: charsim on %s with %d memories", backend, n)
		r, err := benchDenseCharsim(ctx, o, binary, backend, n, pg, emb, data, log)
		if err != nil {
			return result, fmt.Errorf("charsim on %s: %w", backend, err)
		}
		result.charsim = append(result.charsim, r)
	}
	if lancePrefix == "" {
		return result, nil
	}
	var configs []lanceConfig
	var names []string
	for _, c := range lanceConfigs {
		if c.Index == "" || o.lanceIndexes {
			configs = append(configs, c)
			names = append(names, c.Name)
		}
	}
	log("dense: %s@%s with %d vectors: %s", lancePackage, lanceVersion, n, strings.Join(names, ", "))
	lance, err := runLance(ctx, lancePrefix, o.dir, configs, data.memories, data.queries, data.queryCharacters, o.characters, denseK, log)
	if err != nil {
		return result, fmt.Errorf("%s: %w", lancePackage, err)
	}
	result.lance = &lance
	result.lanceRecall = map[string]float64{}
	for _, r := range lance.Runs {
		result.lanceRecall[r.Name] = recallAtK(r.IDs, data.exact, denseK)
	}
	return result, nil
}

// benchDenseCharsim preloads n dense memories on backend and measures the
// recall of cmd/mcp-server on them with every denseSetting, its queries
// embedded through emb.
func benchDenseCharsim(ctx context.Context, o options, binary, backend string, n int, pg *postgresServer, emb *embeddingsServer, data *denseData, log logf) (denseCharsim, error) {
	result := denseCharsim{backend: backend}
	ss, err := newServerStore(ctx, o, "charsim-dense", backend, n, pg,
		"EMBEDDING_PROVIDER="+memory.ProviderOpenAI, "EMBEDDING_BASE_URL="+emb.baseURL,
		"EMBEDDING_MODEL="+denseModel, "EMBEDDING_DIMENSIONS="+strconv.Itoa(denseDim))
	if err != nil {
		return result, err
	}
	defer ss.cleanup()
	env, databaseURL, dataDir := ss.env, ss.databaseURL, ss.dataDir

	log("preloading %d dense memories in bulk through the store", n)
	start := time.Now()
	characters, err := preload(ctx, env, databaseURL, dataDir, n, o.characters, denseMemoryText,
		func(lo int, texts []string) ([][]float32, error) {
			out := make([][]float32, len(texts))
			for i := range texts {
				out[i] = data.memories.row(lo + i)
			}
			return out, nil
		})
	if err != nil {
		return result, err
	}
	result.preload = time.Since(start)

	for i, setting := range denseSettings {
		logPath := filepath.Join(dataDir, fmt.Sprintf("server-%d.log", i))
		serverEnv := append(slices.Clip(env), setting.env...)
		cfg, err := serverConfig(serverEnv)
		if err != nil {
			return result, err
		}
		r, err := denseServerRecall(ctx, binary, serverEnv, logPath, characters, n, emb, data)
		if err != nil {
			return result, fmt.Errorf("recall %s: %w", setting.name, err)
		}
		r.setting, r.fusion = setting, cfg.Fusion.Mode
		log("dense recall %s, http 1 client: p50 %s, p99 %s, recall@%d %.4f", r.label(), roundLatency(r.recall.p50), roundLatency(r.recall.p99), denseK, r.recallK)
		result.runs = append(result.runs, r)
	}
	return result, nil
}

// denseServerRecall starts the server with env on a preloaded store, makes
// every query of data once with one client over HTTP, and stops it.
func denseServerRecall(ctx context.Context, binary string, env []string, logPath string, characters []string, n int, emb *embeddingsServer, data *denseData) (denseServerRun, error) {
	var result denseServerRun
	start := time.Now()
	srv, err := startServer(ctx, binary, env, logPath)
	if err != nil {
		return result, err
	}
	defer srv.stop()
	result.startup = time.Since(start)

	sessions, err := connectHTTP(ctx, srv.endpoint, 1)
	if err != nil {
		return result, err
	}
	defer closeAll(sessions)

	found := make([][]int, len(data.targets))
	recall := func(ctx context.Context, s *mcp.ClientSession, q int) error {
		target := denseTarget(q, n)
		res, err := callTool(ctx, s, "recall", map[string]any{
			"character": characters[target%len(characters)], "query": denseQueryText(q, target), "limit": denseK})
		if err != nil {
			return err
		}
		ids, err := recalledIndexes(res)
		if err != nil {
			return err
		}
		if q < len(found) {
			found[q] = ids
		}
		return nil
	}
	// Warm-up queries are others than the measured ones.
	warm := func(ctx context.Context, s *mcp.ClientSession, i int) error { return recall(ctx, s, 1<<30+i) }
	if _, err := measure(ctx, phase{op: "warm-up", sessions: sessions, ops: 20, call: warm}); err != nil {
		return result, err
	}
	emb.takeDurations()
	result.recall, err = measure(ctx, phase{op: "recall", transport: "http", sessions: sessions, ops: len(data.targets), call: recall})
	if err != nil {
		return result, err
	}
	handled := emb.takeDurations()
	slices.Sort(handled)
	result.embedP50, result.embedP99 = percentile(handled, 50), percentile(handled, 99)
	result.recallK = recallAtK(found, data.exact, denseK)
	if result.memory, err = readProcessMemory(srv.pid()); err != nil {
		return result, err
	}
	return result, checkNotReembedded(logPath)
}

// recalledIndexes reads the memory indexes from the tags of a recall's texts.
func recalledIndexes(res *mcp.CallToolResult) ([]int, error) {
	out, _ := res.StructuredContent.(map[string]any)
	list, _ := out["memories"].([]any)
	ids := make([]int, 0, len(list))
	for _, item := range list {
		m, _ := item.(map[string]any)
		text, _ := m["text"].(string)
		i, ok := memoryIndex(text)
		if !ok {
			return nil, fmt.Errorf("recall returned a memory without an index tag: %q", text)
		}
		ids = append(ids, i)
	}
	return ids, nil
}

// memoryIndex is i of a text made by denseMemoryText(i).
func memoryIndex(text string) (int, bool) {
	tag, ok := strings.CutSuffix(text, "]")
	if !ok {
		return 0, false
	}
	at := strings.LastIndex(tag, " [m")
	if at < 0 {
		return 0, false
	}
	i, err := strconv.Atoi(tag[at+3:])
	return i, err == nil && i >= 0
}

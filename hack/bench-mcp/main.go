// Command bench-mcp measures the charsim MCP server the way clients use it:
// it builds and starts the real cmd/mcp-server on 127.0.0.1, preloads N
// memories straight into its store (bulk, before the server starts), then
// drives /mcp over real HTTP with the MCP Go SDK client and prints, per
// backend and N, the throughput and latency of remember and recall and the
// server's resident memory; recall is also measured over stdio (a second
// server process with --stdio). In the same run it installs the reference
// @modelcontextprotocol/server-memory from npm, drives the equivalent
// workload over stdio (its only transport), and prints the throughput ratios.
//
// At the largest N it also measures the server's RSS with builtin vectors
// of -rss-dim (384) dimensions, on the first backend.
//
// The dense mode (dense.go) measures recall with dense 768-dimensional
// vectors, served to the server by a local OpenAI-compatible /v1/embeddings
// endpoint that the benchmark runs, and compares it with the embedded vector
// database @lancedb/lancedb (npm) on the same vectors, flat and indexed,
// with recall@10 against the exact top 10 computed by brute force.
//
//	go run ./hack/bench-mcp                       # everything (the dense mode not yet timed at 100k)
//	go run ./hack/bench-mcp -n 10000 -backends sqlite -ops 300
//	go run ./hack/bench-mcp -dense -n 10000 -backends sqlite -ops 300   # the dense mode only
//	go run ./hack/bench-mcp -dense=false          # without the dense mode
//
// PostgreSQL comes from CHARSIM_TEST_POSTGRES_URL, .local/test-services.env,
// or hack/test-services.sh start (stopped again afterwards).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mojin/charsim/internal/memory"
)

// options are the command-line flags.
type options struct {
	sizes      []int
	backends   []string
	clients    int
	ops        int
	characters int
	peer       bool
	peerOps    int
	// dense selects the modes: denseAlso (the default), denseOnly (-dense)
	// or denseNever (-dense=false).
	dense denseMode
	// lancedb runs LanceDB in the dense mode.
	lancedb bool
	// lanceIndexes also measures LanceDB's indexes, not only flat search.
	lanceIndexes bool
	// rssDim is the dimension of the extra RSS measurement (0: none).
	rssDim  int
	dir     string
	timeout time.Duration
	// loadAtStart is the load average when the run began, for the report.
	loadAtStart string
}

var knownBackends = []string{"sqlite", "postgres"}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-mcp:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench-mcp:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	var sizes, backends string
	fs := flag.NewFlagSet("bench-mcp", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&sizes, "n", "10000,100000", "comma-separated numbers of preloaded memories")
	fs.StringVar(&backends, "backends", "sqlite,postgres", "comma-separated SQL backends: sqlite, postgres")
	fs.IntVar(&o.clients, "clients", 4, "concurrent MCP clients in the concurrent phases")
	fs.IntVar(&o.ops, "ops", 1000, "tool calls per measured phase")
	fs.IntVar(&o.characters, "characters", 1, "characters the memories are spread over (recall searches one character's memories)")
	fs.BoolVar(&o.peer, "peer", true, "also measure @modelcontextprotocol/server-memory (npm) at the smallest -n")
	fs.IntVar(&o.peerOps, "peer-ops", 200, "tool calls per measured phase of the npm server")
	fs.Var(&o.dense, "dense", "only the dense-vector mode (768 dimensions, against LanceDB); -dense=false skips it; by default both modes run")
	fs.BoolVar(&o.lancedb, "lancedb", true, "in the dense mode, also measure "+lancePackage+"@"+lanceVersion+" (npm)")
	fs.BoolVar(&o.lanceIndexes, "lancedb-indexes", true, "measure LanceDB's indexes (IVF_PQ, HNSW_SQ) too, not only its flat search; building them takes minutes at 100k")
	fs.IntVar(&o.rssDim, "rss-dim", 384, "also measure the server's RSS (and recall, 1 client) with builtin vectors of this many dimensions, at the largest -n on the first backend; 0 skips it")
	fs.StringVar(&o.dir, "dir", ".local/bench", "working directory (server binary, npm package, databases)")
	fs.DurationVar(&o.timeout, "timeout", 90*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("-n: %q is not a positive number", s))
			continue
		}
		o.sizes = append(o.sizes, n)
	}
	slices.Sort(o.sizes)
	for _, b := range strings.Split(backends, ",") {
		b = strings.TrimSpace(b)
		if !slices.Contains(knownBackends, b) {
			errs = append(errs, fmt.Errorf("-backends: unknown backend %q, want %v", b, knownBackends))
			continue
		}
		o.backends = append(o.backends, b)
	}
	for _, f := range []struct {
		name  string
		value int
	}{{"-clients", o.clients}, {"-ops", o.ops}, {"-characters", o.characters}, {"-peer-ops", o.peerOps}} {
		if f.value < 1 {
			errs = append(errs, fmt.Errorf("%s: must be at least 1, got %d", f.name, f.value))
		}
	}
	if o.rssDim < 0 {
		errs = append(errs, fmt.Errorf("-rss-dim: must not be negative, got %d", o.rssDim))
	}
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout: must be positive, got %s", o.timeout))
	}
	return o, errors.Join(errs...)
}

func run(ctx context.Context, o options, stdout, progress io.Writer) error {
	o.loadAtStart = loadAverage()
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", o.dir, err)
	}
	log := func(format string, args ...any) { fmt.Fprintf(progress, "bench: "+format+"\n", args...) }

	log("building cmd/mcp-server")
	binary, err := buildServer(ctx, o.dir)
	if err != nil {
		return err
	}
	var pg *postgresServer
	if slices.Contains(o.backends, "postgres") {
		if pg, err = findPostgres(ctx, log); err != nil {
			return err
		}
		defer pg.release(log)
	}

	var results []runResult
	for _, backend := range o.backends {
		if o.dense == denseOnly {
			break
		}
		for _, n := range o.sizes {
			log("charsim on %s with %d memories", backend, n)
			r, err := benchCharsim(ctx, o, binary, backend, n, memory.DefaultBuiltinDimension, true, pg, log)
			if err != nil {
				return fmt.Errorf("charsim on %s with %d memories: %w", backend, n, err)
			}
			results = append(results, r)
		}
	}
	if o.rssDim > 0 && o.rssDim != memory.DefaultBuiltinDimension && o.dense != denseOnly {
		// The server's RSS with vectors of another size, at the largest N on
		// the first backend: recall only, to load and use the index.
		backend, n := o.backends[0], o.sizes[len(o.sizes)-1]
		log("charsim on %s with %d memories of %d dimensions (for its RSS)", backend, n, o.rssDim)
		r, err := benchCharsim(ctx, o, binary, backend, n, o.rssDim, false, pg, log)
		if err != nil {
			return fmt.Errorf("charsim on %s with %d memories of %d dimensions: %w", backend, n, o.rssDim, err)
		}
		results = append(results, r)
	}
	var peer *runResult
	if o.peer && o.dense != denseOnly {
		n := o.sizes[0]
		log("npm %s@%s with %d items", peerPackage, peerVersion, n)
		r, err := benchPeer(ctx, o, n, log)
		if err != nil {
			return fmt.Errorf("npm %s: %w", peerPackage, err)
		}
		peer = &r
	}
	var dense []denseResult
	if o.dense != denseNever {
		if dense, err = runDense(ctx, o, binary, pg, log); err != nil {
			return err
		}
	}
	if o.dense != denseOnly {
		report(stdout, o, results, peer)
	}
	if dense != nil {
		reportDense(stdout, o, dense)
	}
	return nil
}

// runDense runs the dense mode at every size, with one embeddings endpoint.
func runDense(ctx context.Context, o options, binary string, pg *postgresServer, log logf) ([]denseResult, error) {
	emb, err := startEmbeddingsServer()
	if err != nil {
		return nil, err
	}
	defer emb.close()
	lancePrefix := ""
	if o.lancedb {
		log("installing %s@%s with npm i -E", lancePackage, lanceVersion)
		if lancePrefix, err = installLance(ctx, o.dir); err != nil {
			return nil, err
		}
	}
	var out []denseResult
	for _, n := range o.sizes {
		r, err := benchDense(ctx, o, binary, n, pg, emb, lancePrefix, log)
		if err != nil {
			return nil, fmt.Errorf("dense mode with %d memories: %w", n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// denseMode is the -dense flag: unset, true or false.
type denseMode int

const (
	denseAlso denseMode = iota
	denseOnly
	denseNever
)

func (m *denseMode) String() string {
	switch *m {
	case denseOnly:
		return "true"
	case denseNever:
		return "false"
	}
	return ""
}

func (m *denseMode) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*m = denseNever
	if v {
		*m = denseOnly
	}
	return nil
}

func (m *denseMode) IsBoolFlag() bool { return true }

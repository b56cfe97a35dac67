// Command bench-recall measures recall quality through the real MCP server:
// for each dataset, language and ranking mode it builds cmd/mcp-server once,
// starts it on a fresh store with the builtin embedder, over HTTP on
// 127.0.0.1, stores every memory with the remember tool (one character per
// user, occurred_at = the day at noon UTC), asks every question with recall
// (limit 10, that user's character only) and prints R@5, R@10 and hit@10.
//
// The data is read at run time from the datasets folder (-data, default
// ../shared/datasets from the repository root) and never copied into the
// project: memorybank/ (MemoryBank, evidence.jsonl) and madial-bench/
// (MADial-Bench). Their READMEs say how memories, queries and evidence are
// built; see data.go.
//
//	go run ./hack/bench-recall
//	go run ./hack/bench-recall -backends sqlite,postgres -datasets memorybank -langs zh
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
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// modes are the rankings compared, each set by the server's environment.
// Only "full" keeps the recency and importance priors: the others measure a
// relevance signal alone.
var modes = []struct {
	name string
	env  []string
}{
	{"bm25", []string{"RECALL_FUSION=lexical", "RECALL_WEIGHT_RECENCY=0", "RECALL_WEIGHT_IMPORTANCE=0"}},
	{"vector", []string{"RECALL_FUSION=vector", "RECALL_WEIGHT_RECENCY=0", "RECALL_WEIGHT_IMPORTANCE=0"}},
	{"fusion", []string{"RECALL_WEIGHT_RECENCY=0", "RECALL_WEIGHT_IMPORTANCE=0"}}, // RECALL_FUSION unset: the default
	{"full", nil}, // every default: fusion, then the recency and importance priors
}

func modeEnv(name string) ([]string, bool) {
	for _, m := range modes {
		if m.name == name {
			return m.env, true
		}
	}
	return nil, false
}

func modeNames() []string {
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = m.name
	}
	return names
}

var (
	knownBackends = []string{"sqlite", "postgres"}
	knownDatasets = []string{datasetMemoryBank, datasetMADial}
	knownLangs    = []string{"en", "zh"}
)

// recallLimit is the recall tool's limit for every question.
const recallLimit = 10

type options struct {
	data                                string
	backends, datasets, langs, modeList []string
	noTimes                             bool
	dir                                 string
	timeout                             time.Duration
}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-recall:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench-recall:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	var backends, datasets, langs, modeList string
	fs := flag.NewFlagSet("bench-recall", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&o.data, "data", "../shared/datasets", "the datasets folder (relative paths are from the repository root)")
	fs.StringVar(&backends, "backends", "sqlite", "comma-separated store backends: "+strings.Join(knownBackends, ", "))
	fs.StringVar(&datasets, "datasets", "memorybank,madial", "comma-separated datasets: "+strings.Join(knownDatasets, ", "))
	fs.StringVar(&langs, "langs", "en,zh", "comma-separated languages: "+strings.Join(knownLangs, ", "))
	fs.StringVar(&modeList, "modes", strings.Join(modeNames(), ","), "comma-separated ranking modes: "+strings.Join(modeNames(), ", "))
	fs.BoolVar(&o.noTimes, "no-times", false, "do not send occurred_at with remember (for a server without it)")
	fs.StringVar(&o.dir, "dir", ".local/bench-recall", "working directory (server binary, data directories), relative to the repository root")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	list := func(flagName, value string, known []string) []string {
		var out []string
		for _, v := range strings.Split(value, ",") {
			v = strings.TrimSpace(v)
			if !slices.Contains(known, v) {
				errs = append(errs, fmt.Errorf("-%s: unknown value %q, want one of %v", flagName, v, known))
				continue
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	o.backends = list("backends", backends, knownBackends)
	o.datasets = list("datasets", datasets, knownDatasets)
	o.langs = list("langs", langs, knownLangs)
	o.modeList = list("modes", modeList, modeNames())
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout: must be positive, got %s", o.timeout))
	}
	return o, errors.Join(errs...)
}

// row is one line of the table.
type row struct {
	dataset, lang, backend, mode string
	scores
	load, ask time.Duration
}

func run(ctx context.Context, o options, stdout, progress io.Writer) error {
	started := time.Now()
	log := func(format string, args ...any) { fmt.Fprintf(progress, "bench-recall: "+format+"\n", args...) }
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	if !filepath.IsAbs(o.data) {
		o.data = filepath.Join(root, o.data)
	}
	if !filepath.IsAbs(o.dir) {
		o.dir = filepath.Join(root, o.dir)
	}
	// Say it in one line when the data is not there.
	if _, err := os.Stat(o.data); err != nil {
		return fmt.Errorf("no datasets folder at %s (set -data)", o.data)
	}
	for _, d := range o.datasets {
		if _, err := os.Stat(filepath.Join(o.data, datasetDirs[d])); err != nil {
			return fmt.Errorf("no %s dataset at %s (set -data)", d, filepath.Join(o.data, datasetDirs[d]))
		}
	}
	var suites []suite
	for _, d := range o.datasets {
		for _, l := range o.langs {
			s, err := loadSuite(o.data, d, l)
			if err != nil {
				return fmt.Errorf("read %s %s: %w", d, l, err)
			}
			memories := 0
			for _, st := range s.stores {
				memories += len(st.memories)
			}
			log("%s %s: %d stores, %d memories, %d questions (%d skipped)", d, l, len(s.stores), memories, len(s.questions), s.skipped)
			suites = append(suites, s)
		}
	}

	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	log("building cmd/mcp-server")
	binary, err := buildServer(ctx, root, o.dir)
	if err != nil {
		return err
	}
	var pg *postgresServer
	if slices.Contains(o.backends, "postgres") {
		if pg, err = findPostgres(ctx, root, log); err != nil {
			return err
		}
		defer pg.release(log)
	}

	var rows []row
	for _, s := range suites {
		for _, backend := range o.backends {
			for _, mode := range o.modeList {
				r, err := benchSuite(ctx, o, binary, backend, mode, s, pg)
				if err != nil {
					return fmt.Errorf("%s %s on %s, mode %s: %w", s.dataset, s.lang, backend, mode, err)
				}
				log("%-10s %s %-8s %-6s n=%d R@5 %.3f R@10 %.3f hit@10 %.3f (stored in %s, asked in %s)",
					s.dataset, s.lang, backend, mode, r.n, r.r5, r.r10, r.hit10,
					r.load.Round(100*time.Millisecond), r.ask.Round(100*time.Millisecond))
				rows = append(rows, r)
			}
		}
	}
	report(stdout, o, rows, time.Since(started))
	return nil
}

// benchSuite stores one suite on a fresh server in one mode and asks its
// questions.
func benchSuite(ctx context.Context, o options, binary, backend, mode string, s suite, pg *postgresServer) (row, error) {
	r := row{dataset: s.dataset, lang: s.lang, backend: backend, mode: mode}
	dataDir, err := os.MkdirTemp(o.dir, fmt.Sprintf("%s-%s-%s-%s-", s.dataset, s.lang, backend, mode))
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dataDir)
	modeVars, _ := modeEnv(mode)
	databaseURL := "" // SQLite in CHARACTER_DATA_DIR
	if backend == "postgres" {
		u, drop, err := pg.createDatabase(ctx, fmt.Sprintf("charsim_recall_%s_%s_%s", s.dataset, s.lang, mode))
		if err != nil {
			return r, err
		}
		defer drop()
		databaseURL = u
	}
	env := append([]string{
		"PATH=" + os.Getenv("PATH"),
		"CHARACTER_DATA_DIR=" + dataDir,
		"DATABASE_URL=" + databaseURL,
		"EMBEDDING_PROVIDER=builtin", // at its default dimension
		"LOG_LEVEL=warn",
	}, append(passedRecallVars(), modeVars...)...)
	srv, err := startServer(ctx, binary, env, filepath.Join(dataDir, "server.log"))
	if err != nil {
		return r, err
	}
	defer srv.stop()
	session, err := connect(ctx, srv.endpoint)
	if err != nil {
		return r, err
	}
	defer session.Close()

	start := time.Now()
	characters := map[string]string{} // store name → character ID
	owners := map[string][]string{}   // memory ID → dataset ids (a deduplicated memory stands for all of its copies)
	for _, st := range s.stores {
		var c struct {
			ID string `json:"id"`
		}
		if err := callTool(ctx, session, "create_character", map[string]any{"name": st.name}, &c); err != nil {
			return r, err
		}
		characters[st.name] = c.ID
		for _, m := range st.memories {
			args := map[string]any{"character": c.ID, "text": m.text}
			if !o.noTimes {
				args["occurred_at"] = m.date.Format(time.RFC3339)
			}
			var got struct {
				ID string `json:"id"`
			}
			if err := callTool(ctx, session, "remember", args, &got); err != nil {
				if !o.noTimes && strings.Contains(err.Error(), "occurred_at") {
					return r, fmt.Errorf("%w\n(the server does not take occurred_at yet: see `git log --grep occurred_at`, or run with -no-times)", err)
				}
				return r, err
			}
			owners[got.ID] = append(owners[got.ID], m.id)
		}
	}
	r.load = time.Since(start)

	start = time.Now()
	for _, q := range s.questions {
		var res struct {
			Memories []struct {
				ID string `json:"id"`
			} `json:"memories"`
		}
		if err := callTool(ctx, session, "recall", map[string]any{
			"character": characters[q.store], "query": q.query, "limit": recallLimit,
		}, &res); err != nil {
			return r, fmt.Errorf("question %s: %w", q.id, err)
		}
		ranked := make([][]string, 0, len(res.Memories))
		for _, m := range res.Memories {
			ids, ok := owners[m.ID]
			if !ok {
				return r, fmt.Errorf("question %s: recall returned memory %s, which this run did not store", q.id, m.ID)
			}
			ranked = append(ranked, ids)
		}
		r.add(ranked, q.evidence)
	}
	r.ask = time.Since(start)
	return r, nil
}

// passedRecallVars are the RECALL_* variables of the benchmark's own
// environment, passed to every server (the mode's own settings win), so
// that fusion constants can be compared without a rebuild:
// RECALL_FUSION_K=20 make bench-recall.
func passedRecallVars() []string {
	var vars []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RECALL_") {
			vars = append(vars, kv)
		}
	}
	return vars
}

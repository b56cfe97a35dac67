package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/version"
)

// exportOptions are the flags of `charsimctl export`.
type exportOptions struct {
	source, output string
	vectors        bool
}

func newExportCommand() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export --output FILE [--source URL] [--vectors]",
		Short: "Write a whole store into one portable archive (gzip of JSON lines)",
		Long: `Write every character, state, relationship, memory (with when it happened),
timeline event and branch, and conversation message of a store into one
archive file, which charsimctl import loads into any store: SQLite or
PostgreSQL, with vectors embedded or in Qdrant.

The export reads one consistent snapshot, so it may run beside a running MCP
server (SQLite in WAL mode, or PostgreSQL). The file is written under a
temporary name and renamed when complete, readable by its owner only: it
holds every conversation.

--vectors adds the memories' vectors, read from the SQL store or, when
QDRANT_URL is set as for the MCP server, from Qdrant, so that an import with
the same embedder need not embed again. Without them the import embeds every
memory with its own embedder.

The source defaults to the MCP server's store: $DATABASE_URL, or else SQLite
in $CHARACTER_DATA_DIR.`,
		Example: `  charsimctl export --output charsim-2026-12-07.jsonl.gz
  charsimctl export --source sqlite:///data/charsim.db --output - --vectors > backup.jsonl.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.source == "" {
				o.source = serverStoreURL()
			}
			return runExport(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.source, "source", "", "store to export: sqlite://PATH or postgres://… (default $DATABASE_URL, else SQLite in $CHARACTER_DATA_DIR)")
	f.StringVarP(&o.output, "output", "o", "", "archive file to write, - for standard output")
	f.BoolVar(&o.vectors, "vectors", false, "include the memories' vectors")
	return cmd
}

func (o exportOptions) validate() error {
	var errs []error
	if err := checkSourceStore("--source", o.source); err != nil {
		errs = append(errs, err)
	}
	if o.output == "" {
		errs = append(errs, errors.New("--output: required: the archive file to write, or - for standard output"))
	}
	return errors.Join(errs...)
}

func runExport(ctx context.Context, o exportOptions, stdout, stderr io.Writer) error {
	if err := o.validate(); err != nil {
		return err
	}
	var cfg memory.Config
	if o.vectors {
		var err error
		if cfg, err = memory.ConfigFromEnv(); err != nil {
			return err
		}
	}
	source := redact.URL(o.source)
	st, err := openStore(ctx, "--source", o.source)
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	data, err := st.Export(ctx)
	if err != nil {
		return fmt.Errorf("export %s: %s", source, redact.In(err.Error(), o.source))
	}
	header := archive.Header{Charsim: version.Version, CreatedAt: time.Now().UTC(), Source: st.Backend()}
	if o.vectors {
		if header.Vectors, err = exportVectors(ctx, cfg, st, data); err != nil {
			return fmt.Errorf("export %s: --vectors: %w", source, err)
		}
		if header.Vectors == nil {
			fmt.Fprintln(stderr, "note: the source holds no vectors, so the archive has none")
		}
	} else {
		data.Vectors = nil
	}

	// The summary goes where the archive does not.
	summary := stdout
	if o.output == "-" {
		summary = stderr
	}
	bar := newProgress(stderr)
	progress := func(done, total int64) { bar.update("writing record %d of %d", done, total) }
	size, err := writeArchive(o.output, stdout, func(w io.Writer) error { return archive.Write(w, header, data, progress) })
	bar.done()
	if err != nil {
		return fmt.Errorf("export %s: %w", source, err)
	}
	vectors := "without vectors"
	if header.Vectors != nil {
		vectors = fmt.Sprintf("with %d-dimensional vectors of %s", header.Vectors.Dimension, embedderName(header.Vectors.Embedder))
	}
	fmt.Fprintf(summary, "exported %s to %s (%s, archive format %s, %s) in %s\n",
		source, displayName(o.output), byteSize(size), archive.Version(), vectors, time.Since(start).Round(time.Millisecond))
	return printKindCounts(summary, []string{"records"}, archive.Counts(data))
}

// exportVectors puts the vectors of the exported memories into data, from
// the SQL store or, when QDRANT_URL is set, from Qdrant, and describes them
// for the header: their dimension and the embedder the store recorded for
// them. It returns nil when there are none. A vector whose memory is not in
// the export (deleted a moment ago, or after the snapshot when the vectors
// are in Qdrant) is left out; a memory without a vector is embedded by the
// import.
func exportVectors(ctx context.Context, cfg memory.Config, st store.Store, data *store.Dataset) (*archive.Vectors, error) {
	vectorStore := "embedded"
	if cfg.Qdrant.Enabled() {
		vectorStore = "qdrant"
		vs, err := memory.NewQdrantStore(cfg.Qdrant)
		if err != nil {
			return nil, err
		}
		defer vs.Close()
		data.Vectors = nil
		if err := vs.ScanVectors(ctx, func(v store.MemoryVector) error {
			data.Vectors = append(data.Vectors, v)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("read the vectors from Qdrant: %w", err)
		}
	}
	memories := make(map[string]bool, len(data.Memories))
	for _, m := range data.Memories {
		memories[m.ID] = true
	}
	kept := data.Vectors[:0]
	for _, v := range data.Vectors {
		if memories[v.MemoryID] {
			kept = append(kept, v)
		}
	}
	data.Vectors = kept
	if len(kept) == 0 {
		return nil, nil
	}
	dim := len(kept[0].Vector)
	for _, v := range kept {
		if len(v.Vector) != dim {
			return nil, fmt.Errorf("the stored vectors have %d and %d dimensions: run charsimctl reindex first", dim, len(v.Vector))
		}
	}
	fingerprint, _, err := st.GetMeta(ctx, memory.EmbedderMetaKey(vectorStore))
	if err != nil {
		return nil, fmt.Errorf("read the embedder of the stored vectors: %w", err)
	}
	return &archive.Vectors{Embedder: fingerprint, Dimension: dim}, nil
}

// writeArchive writes an archive to path (- is stdout) through write and
// returns its size. A file is written under a temporary name in the same
// directory and renamed when complete, so that no half-written archive ever
// carries the name.
func writeArchive(path string, stdout io.Writer, write func(io.Writer) error) (int64, error) {
	if path == "-" {
		cw := &countingWriter{w: stdout}
		err := write(cw)
		return cw.n, err
	}
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.partial") // mode 0600
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	cw := &countingWriter{w: tmp}
	err = write(cw)
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return cw.n, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// printKindCounts prints one row per record kind (by its table name) and
// one column per counts.
func printKindCounts(w io.Writer, columns []string, counts ...map[string]int64) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "table\t%s\t\n", strings.Join(columns, "\t"))
	for _, kind := range archive.Kinds() {
		fmt.Fprintf(tw, "%s\t", archive.Table(kind))
		for _, c := range counts {
			fmt.Fprintf(tw, "%d\t", c[kind])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func displayName(path string) string {
	if path == "-" {
		return "standard output"
	}
	return path
}

func embedderName(fingerprint string) string {
	if fingerprint == "" {
		return "an unrecorded embedder"
	}
	return fingerprint
}

// byteSize prints a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

package ctl

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/migrate"
	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/store"
)

// importOptions are the flags of `charsimctl import`.
type importOptions struct {
	file, target        string
	dryRun, skipUnknown bool
}

// maxDifferencesShown bounds the rows listed one by one that the target
// holds with other content; the count says how many there are in all.
const maxDifferencesShown = 10

func newImportCommand() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE [--target URL] [--dry-run]",
		Short: "Load an archive written by charsimctl export into a store, adding what it lacks",
		Long: `Load an archive (see charsimctl export) into a store: SQLite or PostgreSQL, with
vectors embedded in it or in Qdrant (QDRANT_URL), as the MCP server has it.

The whole archive is read and checked first: a truncated or corrupt archive is
refused with the line at fault, and nothing is written. Rows are then added in
one transaction, so an import is whole or not at all.

Import adds what the target lacks and never changes what it has, so it is
safe to run again: a second run adds nothing. A row that the target holds
under the same key with other content (a character edited since the export)
is kept as the target has it and reported with its line.

Memories get vectors in the target's vector store: those of the archive when
it holds vectors of the target's embedder (EMBEDDING_*), and otherwise
embedded again with it. Set the EMBEDDING_* and QDRANT_* variables as the MCP
server has them.

The import may run beside a running MCP server (SQLite in WAL mode, or
PostgreSQL). On SQLite the server's writes wait for the import's transaction
for up to 10 s, then fail: import a large archive (tens of thousands of
memories) with the server stopped. --dry-run checks the archive against the target and reports
what would be added, and writes nothing (it does not create a missing store).

The target defaults to the MCP server's store: $DATABASE_URL, or else SQLite
in $CHARACTER_DATA_DIR.`,
		Example: `  charsimctl import charsim-2026-12-07.jsonl.gz --dry-run
  charsimctl import charsim-2026-12-07.jsonl.gz --target postgres://charsim@db:5432/charsim
  ssh backup-host cat charsim-2026-12-07.jsonl.gz | charsimctl import -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			if o.target == "" {
				o.target = serverStoreURL()
			}
			return runImport(cmd.Context(), o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.target, "target", "", "store to import into: sqlite://PATH or postgres://… (default $DATABASE_URL, else SQLite in $CHARACTER_DATA_DIR)")
	f.BoolVar(&o.dryRun, "dry-run", false, "check the archive against the target, print what would be added, and write nothing")
	f.BoolVar(&o.skipUnknown, "skip-unknown", false, "import an archive of a newer minor format version without the record kinds and fields this charsimctl does not know")
	return cmd
}

func runImport(ctx context.Context, o importOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := checkStoreURL("--target", o.target); err != nil {
		return err
	}
	if hasPassword(o.target) && o.target != store.URLFromEnv() {
		fmt.Fprintln(stderr, "warning: --target carries a password, which other users can see in the process list; prefer PGPASSWORD or DATABASE_URL")
	}
	target, name := redact.URL(o.target), displayInput(o.file)
	start := time.Now()

	a, err := readArchiveFile(o, stdin, stderr)
	if err != nil {
		return err
	}
	for _, s := range a.Skipped {
		fmt.Fprintf(stderr, "skipped %d × %s (first on line %d): this charsimctl reads archive format %s\n", s.Count, s.What, s.FirstLine, archive.Version())
	}

	cfg, err := memory.ConfigFromEnv()
	if err != nil {
		return err
	}
	emb, err := memory.NewEmbedder(ctx, cfg.Embedding)
	if err != nil {
		return fmt.Errorf("embedder: %w", err)
	}
	vectorStore := "embedded"
	if cfg.Qdrant.Enabled() {
		vectorStore = "qdrant"
	}

	// A dry run must not create the target, so a missing one is read as empty.
	var dst store.Store
	existing := &store.Dataset{}
	exists := true
	if o.dryRun {
		if exists, err = storeExists(ctx, o.target); err != nil {
			return fmt.Errorf("--target: %w", err)
		}
	}
	var recorded string
	var isRecorded bool
	if exists {
		if dst, err = openStore(ctx, "--target", o.target); err != nil {
			return err
		}
		defer dst.Close()
		if existing, err = dst.Export(ctx); err != nil {
			return fmt.Errorf("read the target %s: %s", target, redact.In(err.Error(), o.target))
		}
		if recorded, isRecorded, err = dst.GetMeta(ctx, memory.EmbedderMetaKey(vectorStore)); err != nil {
			return fmt.Errorf("read the target %s: %s", target, redact.In(err.Error(), o.target))
		}
	}

	plan, err := planImport(a, existing)
	if err != nil {
		return fmt.Errorf("import %s into %s: %w; nothing was written", name, target, err)
	}
	vectors, err := planVectors(a, plan, existing, vectorStore, emb, recorded, isRecorded)
	if err != nil {
		return fmt.Errorf("import %s into %s: %w; nothing was written", name, target, err)
	}
	reportDifferences(stderr, plan.differ)

	if o.dryRun {
		fmt.Fprintf(stdout, "dry run: %s is a valid archive (format %s, from charsim %s, created %s); nothing was written to %s\n",
			name, a.Header.Version, a.Header.Charsim, a.Header.CreatedAt.Format(time.RFC3339), target)
		if !exists {
			fmt.Fprintf(stdout, "the target does not exist yet; the import would create it\n")
		}
		fmt.Fprintln(stdout, vectors.describe(true))
		return printKindCounts(stdout, []string{"archive", "new", "unchanged", "differ"},
			archive.Counts(a.Data), withVectors(plan.addedCounts(), vectors), plan.unchanged, plan.differCounts())
	}

	written, err := writeImport(ctx, o, a, plan, vectors, dst, emb, cfg, stderr)
	if err != nil {
		return err
	}
	if len(existing.Memories) == 0 && !isRecorded && len(a.Data.Memories) > 0 {
		// Every vector of the target is now this embedder's; record it as a
		// reindex does, so that the MCP server trusts them.
		if err := dst.SetMeta(ctx, memory.EmbedderMetaKey(vectorStore), vectors.embedder); err != nil {
			return fmt.Errorf("import %s into %s: record the embedder: %s", name, target, redact.In(err.Error(), o.target))
		}
	}

	after, err := migrate.Verify(ctx, verificationData(a, vectors), dst)
	if err != nil {
		return fmt.Errorf("import %s into %s: %w", name, target, err)
	}
	fmt.Fprintf(stdout, "imported %s into %s in %s; verified: every archive row is in the target\n", name, target, time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(stdout, vectors.describe(false))
	return printKindCounts(stdout, []string{"archive", "added", "unchanged", "differ", "target"},
		archive.Counts(a.Data), written, plan.unchanged, plan.differCounts(), kindCounts(after))
}

// readArchiveFile reads and checks the whole archive, showing progress on a terminal.
func readArchiveFile(o importOptions, stdin io.Reader, stderr io.Writer) (*archive.Archive, error) {
	in := stdin
	if o.file != "-" {
		f, err := os.Open(o.file)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		in = f
	}
	bar := newProgress(stderr)
	a, err := archive.Read(in, archive.ReadOptions{
		SkipUnknown: o.skipUnknown,
		Progress:    func(lines, total int) { bar.update("reading line %d of %d", lines, total) },
	})
	bar.done()
	if err != nil {
		return nil, fmt.Errorf("import %s: %w; nothing was written", displayInput(o.file), err)
	}
	return a, nil
}

// writeImport embeds what needs embedding, then writes the plan's rows (and,
// for the embedded vector store, their vectors) in one transaction, then the
// vectors of a Qdrant target. It returns what was written per kind.
func writeImport(ctx context.Context, o importOptions, a *archive.Archive, plan *importPlan, vectors *vectorPlan,
	dst store.Store, emb memory.Embedder, cfg memory.Config, stderr io.Writer) (map[string]int64, error) {
	name, target := displayInput(o.file), redact.URL(o.target)
	var qdrant memory.VectorStore
	if vectors.store == "qdrant" {
		var err error
		if qdrant, err = memory.OpenVectorStore(cfg, dst); err != nil {
			return nil, fmt.Errorf("vector store: %w", err)
		}
		defer qdrant.Close()
		// Before any row is written: a collection of another dimension
		// refuses the import here.
		if err := qdrant.EnsureCollection(ctx, emb.Dimension()); err != nil {
			return nil, fmt.Errorf("import %s: %w; nothing was written", name, err)
		}
	}

	records := vectors.fromArchive
	if len(vectors.toEmbed) > 0 {
		fmt.Fprintf(stderr, "embedding %d memories with %s\n", len(vectors.toEmbed), vectors.embedder)
		bar := newProgress(stderr)
		embedded, err := memory.EmbedMemories(ctx, emb, vectors.toEmbed, func(done int) {
			bar.update("embedded %d of %d memories", done, len(vectors.toEmbed))
		})
		bar.done()
		if err != nil {
			return nil, fmt.Errorf("import %s: %w; nothing was written", name, err)
		}
		records = append(append([]store.MemoryVector(nil), records...), embedded...)
	}

	rows := plan.rows(a)
	if vectors.store == "embedded" {
		rows.Vectors = records
	}
	fmt.Fprintf(stderr, "importing %s into %s: %d new rows in one transaction\n", name, target, totalRows(rows))
	began := time.Now()
	inserted, err := dst.Import(ctx, rows)
	if err != nil {
		return nil, fmt.Errorf("import %s into %s: %s; nothing was written", name, target, redact.In(err.Error(), o.target))
	}
	// How long the transaction held the write lock, which a running server waits for.
	fmt.Fprintf(stderr, "committed in %s\n", time.Since(began).Round(time.Millisecond))
	written := kindCounts(inserted)
	if qdrant != nil && len(records) > 0 {
		if err := qdrant.Upsert(ctx, records); err != nil {
			return nil, fmt.Errorf("import %s into %s: the rows were written, but not their vectors: %w; run the same import again to write them", name, target, err)
		}
		written[archive.KindVector] = int64(len(records))
	}
	return written, nil
}

// verificationData is what the target must hold after the import: every
// archive row, and for the embedded vector store, a vector for every
// memory that was added or unchanged.
func verificationData(a *archive.Archive, vectors *vectorPlan) *store.Dataset {
	d := *a.Data
	d.Vectors = make([]store.MemoryVector, len(vectors.expected))
	for i, id := range vectors.expected {
		d.Vectors[i] = store.MemoryVector{MemoryID: id}
	}
	return &d
}

// reportDifferences lists the rows the target keeps although the archive
// holds them with other content.
func reportDifferences(w io.Writer, differ []difference) {
	for i, d := range differ {
		if i == maxDifferencesShown {
			fmt.Fprintf(w, "… and %d more rows that differ\n", len(differ)-i)
			break
		}
		fmt.Fprintf(w, "line %d: the target has %s %s with other content; the target's is kept\n", d.line, d.kind, d.key)
	}
}

// withVectors adds the vectors a plan would write to counts of rows.
func withVectors(counts map[string]int64, vectors *vectorPlan) map[string]int64 {
	counts[archive.KindVector] = int64(len(vectors.fromArchive) + len(vectors.toEmbed))
	return counts
}

// kindCounts keys store counts by record kind.
func kindCounts(c store.Counts) map[string]int64 {
	out := map[string]int64{}
	for _, kind := range archive.Kinds() {
		out[kind] = migrate.CountOf(c, archive.Table(kind))
	}
	return out
}

func totalRows(d *store.Dataset) int64 {
	var n int64
	for _, c := range archive.Counts(d) {
		n += c
	}
	return n
}

func displayInput(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/migrate"
	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/store"
)

// migrateOptions are the flags of `charsimctl migrate`.
type migrateOptions struct {
	source, target string
	dryRun         bool
	batchSize      int
}

func newMigrateCommand() *cobra.Command {
	var o migrateOptions
	cmd := &cobra.Command{
		Use:   "migrate --source sqlite://PATH [--target postgres://USER@HOST/DB]",
		Short: "Copy a store (SQLite) into another (PostgreSQL), vectors included, and verify it",
		Long: `Copy every character, memory (with its vector), timeline event and branch, state,
relationship and message from the source store into the target store.

Rows already in the target are kept, so the command is safe to run again: an
interrupted migration is finished by a re-run, and a second run inserts nothing.
At the end the target is verified to hold every source row.

The target defaults to $DATABASE_URL. Keep the password off the command line:
leave it out of --target and set PGPASSWORD, or use DATABASE_URL.`,
		Example: `  charsimctl migrate --source sqlite:///data/charsim.db --target postgres://charsim@db:5432/charsim --dry-run
  PGPASSWORD=… charsimctl migrate --source sqlite:///data/charsim.db --target postgres://charsim@db:5432/charsim`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.target == "" {
				o.target = store.URLFromEnv()
			}
			return runMigrate(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.source, "source", "", "store to copy from: sqlite://PATH (or file:PATH, postgres://…)")
	f.StringVar(&o.target, "target", "", "store to copy into: postgres://… (default $DATABASE_URL)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be copied and write nothing to the target")
	f.IntVar(&o.batchSize, "batch-size", migrate.DefaultBatchSize, "rows per transaction")
	return cmd
}

func (o migrateOptions) validate() error {
	var errs []error
	if err := checkSourceStore("--source", o.source); err != nil {
		errs = append(errs, err)
	}
	if o.target == "" {
		errs = append(errs, errors.New("--target: required (a postgres://… URL), or set DATABASE_URL"))
	} else if err := checkStoreURL("--target", o.target); err != nil {
		errs = append(errs, err)
	}
	if o.source != "" && o.source == o.target {
		errs = append(errs, errors.New("--target: must differ from --source"))
	}
	if o.batchSize < 1 {
		errs = append(errs, fmt.Errorf("--batch-size: must be at least 1, got %d", o.batchSize))
	}
	return errors.Join(errs...)
}

func runMigrate(ctx context.Context, o migrateOptions, stdout, stderr io.Writer) error {
	if err := o.validate(); err != nil {
		return err
	}
	if hasPassword(o.target) && o.target != store.URLFromEnv() {
		fmt.Fprintln(stderr, "warning: --target carries a password, which other users can see in the process list; prefer PGPASSWORD or DATABASE_URL")
	}
	source, target := redact.URL(o.source), redact.URL(o.target)

	src, err := openStore(ctx, "--source", o.source)
	if err != nil {
		return err
	}
	defer src.Close()

	if o.dryRun {
		counts, err := src.Count(ctx)
		if err != nil {
			return fmt.Errorf("count the source %s: %w", source, err)
		}
		fmt.Fprintf(stdout, "dry run: would copy from %s into %s (rows already there are kept); nothing was written\n", source, target)
		return printCounts(stdout, []string{"rows"}, counts)
	}

	dst, err := openStore(ctx, "--target", o.target)
	if err != nil {
		return err
	}
	defer dst.Close()

	fmt.Fprintf(stderr, "migrating %s into %s\n", source, target)
	start := time.Now()
	report, err := migrate.Run(ctx, src, dst, migrate.Options{
		BatchSize: o.batchSize,
		Progress: func(p migrate.Progress) {
			fmt.Fprintf(stderr, "%-13s %d/%d copied, %d new\n", p.Table, p.Done, p.Total, p.Inserted)
		},
	})
	if err != nil {
		return fmt.Errorf("migrate %s into %s: %s", source, target, redact.In(err.Error(), o.source, o.target))
	}
	fmt.Fprintf(stdout, "migrated %s into %s in %s; verified: every source row is in the target\n",
		source, target, time.Since(start).Round(time.Millisecond))
	return printCounts(stdout, []string{"source", "inserted", "target"}, report.Source, report.Inserted, report.Target)
}

// openStore opens the store a flag names, keeping its password out of errors.
func openStore(ctx context.Context, flag, rawURL string) (store.Store, error) {
	st, err := store.Open(ctx, rawURL, "")
	if err != nil {
		return nil, fmt.Errorf("%s: open %s: %s", flag, redact.URL(rawURL), redact.In(err.Error(), rawURL))
	}
	return st, nil
}

// checkStoreURL accepts the URL forms store.Open understands.
func checkStoreURL(flag, raw string) error {
	if raw == "" {
		return fmt.Errorf("%s: required, e.g. sqlite:///data/charsim.db or postgres://user@host:5432/db", flag)
	}
	if _, ok := sqlitePath(raw); ok {
		return nil
	}
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		if _, err := url.Parse(raw); err != nil {
			// The parse error quotes the URL, password included.
			return fmt.Errorf("%s: not a valid postgres:// URL", flag)
		}
		return nil
	}
	return fmt.Errorf("%s: must be sqlite://PATH, file:PATH or postgres://…, got %s", flag, redact.URL(raw))
}

// sqlitePath returns the file a SQLite store URL names.
func sqlitePath(raw string) (string, bool) {
	for _, prefix := range []string{"sqlite://", "file:"} {
		if path, ok := strings.CutPrefix(raw, prefix); ok && path != "" {
			return path, true
		}
	}
	return "", false
}

// printCounts prints one row per table and one column per counts.
func printCounts(w io.Writer, columns []string, counts ...store.Counts) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "table\t%s\t\n", strings.Join(columns, "\t"))
	for _, name := range migrate.TableNames() {
		fmt.Fprintf(tw, "%s\t", name)
		for _, c := range counts {
			fmt.Fprintf(tw, "%d\t", migrate.CountOf(c, name))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// hasPassword reports whether a connection URL carries a password.
func hasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	_, set := u.User.Password()
	return set || u.Query().Has("password")
}

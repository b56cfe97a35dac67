// Package migrate copies everything in one charsim store into another — in
// practice a host-only SQLite install into PostgreSQL — vectors included.
//
// The copy is idempotent: rows are imported by primary key and rows already in
// the target are left alone, so an interrupted migration is finished by
// running it again, and a second run inserts nothing. It ends by verifying
// that the target holds at least as many rows per table as the source and
// every source row's key.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

// DefaultBatchSize is the number of rows imported per transaction.
const DefaultBatchSize = 1000

// Options tune a migration.
type Options struct {
	// BatchSize is the number of rows per Import call (one transaction);
	// 0 means DefaultBatchSize.
	BatchSize int
	// Progress, when set, is called after every batch.
	Progress func(Progress)
}

// Progress reports how far the copy of one table has come.
type Progress struct {
	Table string
	// Done and Total count the source rows of the table handled so far and in all.
	Done, Total int
	// Inserted counts the rows the target did not have yet.
	Inserted int64
}

// Report is the outcome of a migration.
type Report struct {
	// Source counts the rows exported from the source.
	Source store.Counts
	// Inserted counts the rows the target did not have before.
	Inserted store.Counts
	// Target counts the rows of the target after the copy.
	Target store.Counts
}

// Run exports src, imports it into dst in batches and verifies the result.
func Run(ctx context.Context, src, dst store.Store, opts Options) (Report, error) {
	batch := opts.BatchSize
	switch {
	case batch == 0:
		batch = DefaultBatchSize
	case batch < 0:
		return Report{}, fmt.Errorf("batch size must be positive, got %d", batch)
	}
	data, err := src.Export(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("read the source: %w", err)
	}
	// Events refer to their parents; a batch may only refer to events that
	// are already in the target or in the same batch.
	data.Events = parentsFirst(data.Events)

	report := Report{Source: RowCounts(data)}
	for _, t := range tables {
		inserted, err := copyTable(ctx, t, data, dst, batch, opts.Progress)
		*t.count(&report.Inserted) = inserted
		if err != nil {
			return report, fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	report.Target, err = Verify(ctx, data, dst)
	if err != nil {
		return report, err
	}
	return report, nil
}

// copyTable imports one table's rows in batches and returns how many were new.
func copyTable(ctx context.Context, t table, data *store.Dataset, dst store.Store, batch int, progress func(Progress)) (int64, error) {
	var inserted int64
	total := t.rows(data)
	for lo := 0; lo < total; lo += batch {
		hi := min(lo+batch, total)
		n, err := dst.Import(ctx, t.slice(data, lo, hi))
		if err != nil {
			return inserted, fmt.Errorf("rows %d..%d of %d: %w", lo+1, hi, total, err)
		}
		inserted += *t.count(&n)
		if progress != nil {
			progress(Progress{Table: t.name, Done: hi, Total: total, Inserted: inserted})
		}
	}
	if total == 0 && progress != nil {
		progress(Progress{Table: t.name})
	}
	return inserted, nil
}

// Verify checks that dst has, per table, at least as many rows as data and
// every one of its keys, and returns dst's counts. An import of an archive
// verifies its target with it too.
func Verify(ctx context.Context, data *store.Dataset, dst store.Store) (store.Counts, error) {
	counts, err := dst.Count(ctx)
	if err != nil {
		return store.Counts{}, fmt.Errorf("verify: count the target: %w", err)
	}
	copied, err := dst.Export(ctx)
	if err != nil {
		return counts, fmt.Errorf("verify: read the target: %w", err)
	}
	var problems []error
	for _, t := range tables {
		want, have := t.rows(data), *t.count(&counts)
		if have < int64(want) {
			problems = append(problems, fmt.Errorf("%s: the target has %d rows, the source %d", t.name, have, want))
		}
		if missing := missingKeys(t.keys(data), t.keys(copied)); len(missing) > 0 {
			problems = append(problems, fmt.Errorf("%s: %d of %d source rows are missing from the target, e.g. %s",
				t.name, len(missing), want, strings.ReplaceAll(missing[0], "\x00", "/")))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return counts, fmt.Errorf("verify: %w", err)
	}
	return counts, nil
}

// missingKeys returns the keys of want that are not in have.
func missingKeys(want, have []string) []string {
	present := make(map[string]struct{}, len(have))
	for _, k := range have {
		present[k] = struct{}{}
	}
	var missing []string
	for _, k := range want {
		if _, ok := present[k]; !ok {
			missing = append(missing, k)
		}
	}
	return missing
}

// parentsFirst orders events so that every event comes after its parent when
// the parent is among them, keeping the given order otherwise. It walks
// parent chains iteratively because a long story is a very deep chain.
func parentsFirst(events []store.TimelineEvent) []store.TimelineEvent {
	index := make(map[string]int, len(events))
	for i, e := range events {
		index[e.ID] = i
	}
	placed := make([]bool, len(events))
	// walk[j] == i+1 while event j is on the chain walked from event i.
	walk := make([]int, len(events))
	out := make([]store.TimelineEvent, 0, len(events))
	var chain []int
	for i := range events {
		// Collect the unplaced ancestors of i, nearest first; a cycle (which a
		// valid store cannot hold) ends the walk instead of looping forever.
		chain = chain[:0]
		for j, ok := i, true; ok && !placed[j] && walk[j] != i+1; j, ok = index[events[j].ParentID] {
			chain = append(chain, j)
			walk[j] = i + 1
		}
		for k := len(chain) - 1; k >= 0; k-- {
			placed[chain[k]] = true
			out = append(out, events[chain[k]])
		}
	}
	return out
}

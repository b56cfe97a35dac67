package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrations holds one directory of numbered SQL files per backend
// (NNNN_name.sql). Both directories describe the same logical schema.
//
//go:embed migrations
var migrations embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the migrations of one backend, ordered by version.
func loadMigrations(backend string) ([]migration, error) {
	dir := path.Join("migrations", backend)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", backend, err)
	}
	var ms []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_name.sql", dir, e.Name())
		}
		body, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: version, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrator is what a backend contributes to running migrations.
type migrator struct {
	// lock is run first in the migration transaction to keep two processes
	// from migrating at once ("" when the transaction itself excludes them).
	lock string
	// createTable creates schema_migrations if it does not exist.
	createTable string
}

// migrate applies the migrations that schema_migrations does not list yet,
// all in one transaction.
func migrate(ctx context.Context, db database, m migrator) error {
	all, err := loadMigrations(db.backend())
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(q querier) error {
		if m.lock != "" {
			if _, err := q.exec(ctx, m.lock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := q.exec(ctx, m.createTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := q.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		for _, mig := range all {
			if mig.version <= current {
				continue
			}
			if _, err := q.exec(ctx, mig.sql); err != nil {
				return fmt.Errorf("apply %s: %w", mig.name, err)
			}
			if _, err := q.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				mig.version, mig.name, now()); err != nil {
				return fmt.Errorf("record %s: %w", mig.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate %s schema: %w", db.backend(), err)
	}
	return nil
}

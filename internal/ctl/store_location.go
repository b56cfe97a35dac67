package ctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/store"
)

// serverStoreURL is the store the MCP server opens in this environment:
// DATABASE_URL, or else SQLite in CHARACTER_DATA_DIR.
func serverStoreURL() string {
	if u := store.URLFromEnv(); u != "" {
		return u
	}
	return "sqlite://" + filepath.Join(store.DefaultDataDir(), store.SQLiteFileName)
}

// storeExists reports whether the store at rawURL has been created: its
// SQLite file exists, or its PostgreSQL database has charsim's schema. It
// writes nothing, so a dry run can tell an empty target from a missing one
// without creating it.
func storeExists(ctx context.Context, rawURL string) (bool, error) {
	if path, ok := sqlitePath(rawURL); ok {
		_, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	if !strings.HasPrefix(rawURL, "postgres://") && !strings.HasPrefix(rawURL, "postgresql://") {
		return false, fmt.Errorf("unsupported store URL %s", redact.URL(rawURL))
	}
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		return false, fmt.Errorf("connect to %s: %s", redact.URL(rawURL), redact.In(err.Error(), rawURL))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return false, fmt.Errorf("look for charsim's schema in %s: %s", redact.URL(rawURL), redact.In(err.Error(), rawURL))
	}
	return exists, nil
}

// checkSourceStore refuses a source store URL that is malformed, or a SQLite
// source whose file does not exist: opening a mistyped path would create an
// empty database and "successfully" read nothing from it.
func checkSourceStore(flag, rawURL string) error {
	if err := checkStoreURL(flag, rawURL); err != nil {
		return err
	}
	if path, ok := sqlitePath(rawURL); ok {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s: SQLite database %s: %w", flag, path, err)
		}
	}
	return nil
}

package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables that configure the store.
const (
	// EnvDatabaseURL chooses the backend: empty for SQLite in the data
	// directory, sqlite://PATH or file:PATH, or postgres://….
	EnvDatabaseURL = "DATABASE_URL"
	// EnvTimelineDatabaseURL is the older name of DATABASE_URL, still honoured.
	EnvTimelineDatabaseURL = "TIMELINE_DATABASE_URL"
	// EnvDataDir is where the default SQLite database lives.
	EnvDataDir = "CHARACTER_DATA_DIR"
)

// DefaultDataDirPath is the data directory when CHARACTER_DATA_DIR is unset.
const DefaultDataDirPath = "./character_data"

// SQLiteFileName is the database file inside the data directory.
const SQLiteFileName = "charsim.db"

// URLFromEnv returns DATABASE_URL, or TIMELINE_DATABASE_URL when that is unset.
func URLFromEnv() string {
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		return u
	}
	return os.Getenv(EnvTimelineDatabaseURL)
}

// DefaultDataDir returns CHARACTER_DATA_DIR, or ./character_data.
func DefaultDataDir() string {
	if d := os.Getenv(EnvDataDir); d != "" {
		return d
	}
	return DefaultDataDirPath
}

// Open connects to the store that databaseURL names and brings its schema up
// to date:
//
//	""                          SQLite at <dataDir>/charsim.db
//	sqlite://PATH, file:PATH    SQLite at PATH
//	postgres://…, postgresql://…  PostgreSQL
func Open(ctx context.Context, databaseURL, dataDir string) (Store, error) {
	switch {
	case databaseURL == "":
		if dataDir == "" {
			dataDir = DefaultDataDirPath
		}
		return openSQLite(ctx, filepath.Join(dataDir, SQLiteFileName))
	case strings.HasPrefix(databaseURL, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "sqlite://"))
	case strings.HasPrefix(databaseURL, "file:"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "file:"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return openPostgres(ctx, databaseURL)
	}
	scheme, _, found := strings.Cut(databaseURL, "://")
	if !found {
		scheme = "(none)"
	}
	// The URL may carry a password, so only its scheme goes into the error.
	return nil, invalid(EnvDatabaseURL, "unsupported scheme %s; use sqlite://PATH, file:PATH or postgres://…", scheme)
}

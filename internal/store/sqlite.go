package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteParams apply to every connection. busy_timeout comes first so that
// the other pragmas already wait for a lock held by another process (a
// migration run by charsimctl, say). Times are stored as Unix microseconds in
// TIMESTAMP columns and read back as time.Time.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)" +
	"&_time_integer_format=unix_micro&_inttotime=1"

// sqliteDB keeps two pools on one WAL database file. SQLite lets one writer
// in at a time; with a single write connection, concurrent writers queue in
// database/sql instead of failing with SQLITE_BUSY. Readers run in parallel
// beside it, which WAL allows. Reads run through prepared statements.
type sqliteDB struct {
	writer     *sql.DB
	readers    *sql.DB
	statements statementCache
}

// openSQLite opens (creating if needed) the database file at path and migrates it.
func openSQLite(ctx context.Context, path string) (Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, invalid(EnvDatabaseURL, "sqlite database path %q must be a file path without '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create sqlite directory: %w", err)
	}
	// Create the file ourselves so that it is private; SQLite gives the WAL
	// and shared-memory files the same permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create sqlite database: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create sqlite database: %w", err)
	}

	writer, err := sql.Open("sqlite", path+"?"+sqliteParams+"&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	readers, err := sql.Open("sqlite", path+"?"+sqliteParams+"&_pragma=query_only(1)")
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	n := max(4, runtime.NumCPU())
	readers.SetMaxOpenConns(n)
	readers.SetMaxIdleConns(n)

	db := &sqliteDB{writer: writer, readers: readers}
	// The write connection goes first: it switches the file to WAL.
	if err := migrate(ctx, db, migrator{
		// BEGIN IMMEDIATE already excludes other writers, other processes included.
		createTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`,
	}); err != nil {
		_ = db.close()
		return nil, err
	}
	return &sqlStore{db: db}, nil
}

func (d *sqliteDB) reader() querier {
	return sqliteQuerier{preparedRunner{db: d.readers, cache: &d.statements}}
}

func (d *sqliteDB) inTx(ctx context.Context, fn func(querier) error) error {
	// IMMEDIATE takes the write lock at BEGIN, so a transaction never fails
	// half-way because another process started writing.
	return runSQLiteTx(ctx, d.writer, "BEGIN IMMEDIATE", fn)
}

func (d *sqliteDB) snapshot(ctx context.Context, fn func(querier) error) error {
	return runSQLiteTx(ctx, d.readers, "BEGIN", fn)
}

// runSQLiteTx runs fn in a transaction on one connection of pool. It issues
// BEGIN/COMMIT itself rather than using sql.Tx because SQLite keeps a
// transaction open when COMMIT fails (a deferred foreign key violation), and
// sql.Tx would hand that connection back to the pool still in the transaction.
func runSQLiteTx(ctx context.Context, pool *sql.DB, begin string, fn func(querier) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return fmt.Errorf("begin: %w", translateSQLite(err))
	}
	// Finish even when ctx is done: an open transaction would block every later write.
	finish := context.WithoutCancel(ctx)
	err = fn(sqliteQuerier{conn})
	if err == nil {
		if _, err = conn.ExecContext(finish, "COMMIT"); err == nil {
			return nil
		}
		err = fmt.Errorf("commit: %w", translateSQLite(err))
	}
	if _, rbErr := conn.ExecContext(finish, "ROLLBACK"); rbErr != nil {
		// Not knowing the connection's state, make the pool drop it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

func (d *sqliteDB) lockRowSuffix() string { return "" }

// vectorLogLock is empty: SQLite has one writer at a time already.
func (d *sqliteDB) vectorLogLock() string { return "" }

func (d *sqliteDB) ping(ctx context.Context) error {
	if err := d.readers.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

func (d *sqliteDB) close() error {
	return errors.Join(d.statements.close(), d.readers.Close(), d.writer.Close())
}

func (d *sqliteDB) backend() string { return "sqlite" }

// translateSQLite maps constraint violations to the package's errors.
func translateSQLite(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", errMissingReference, err)
		}
	}
	return err
}

// sqlRunner is what *sql.DB and *sql.Conn have in common.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqliteQuerier struct{ r sqlRunner }

func (q sqliteQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.r.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translateSQLite(err)
	}
	n, err := res.RowsAffected()
	return n, translateSQLite(err)
}

func (q sqliteQuerier) query(ctx context.Context, query string, args ...any) (rowIterator, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translateSQLite(err)
	}
	return sqliteRows{rows}, nil
}

func (q sqliteQuerier) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return sqliteRow{q.r.QueryRowContext(ctx, query, args...)}
}

type sqliteRow struct{ row *sql.Row }

func (r sqliteRow) Scan(dest ...any) error { return translateSQLite(r.row.Scan(dest...)) }

type sqliteRows struct{ rows *sql.Rows }

func (r sqliteRows) Next() bool             { return r.rows.Next() }
func (r sqliteRows) Scan(dest ...any) error { return translateSQLite(r.rows.Scan(dest...)) }
func (r sqliteRows) Err() error             { return translateSQLite(r.rows.Err()) }

// Close errors surface through Err, which callers check.
func (r sqliteRows) Close() { _ = r.rows.Close() }

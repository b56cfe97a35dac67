package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationLockKey is the advisory lock that serialises schema migrations
// across replicas starting at the same time (an arbitrary constant: "charsim").
const migrationLockKey = 0x63686172_73696d

// postgresDB is a pgx connection pool. The pool replaces broken connections
// by itself, so the store recovers when the server comes back.
type postgresDB struct {
	pool *pgxpool.Pool
}

func openPostgres(ctx context.Context, url string) (Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message does not echo the URL, so no password leaks here.
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db := &postgresDB{pool: pool}
	if err := migrate(ctx, db, migrator{
		lock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLockKey),
		createTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
	}); err != nil {
		pool.Close()
		return nil, err
	}
	return &sqlStore{db: db}, nil
}

func (d *postgresDB) reader() querier { return pgQuerier{d.pool} }

func (d *postgresDB) inTx(ctx context.Context, fn func(querier) error) error {
	return translatePostgres(pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) }))
}

func (d *postgresDB) snapshot(ctx context.Context, fn func(querier) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return translatePostgres(pgx.BeginTxFunc(ctx, d.pool, opts, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) }))
}

func (d *postgresDB) lockRowSuffix() string { return " FOR UPDATE" }

// vectorLogLockKey is the advisory lock that orders the writers of vectors,
// so that the vector change log's numbers follow commit order ("charvect";
// migrations/postgres/0002_vector_changes.sql takes it in its trigger).
const vectorLogLockKey = 0x63686172_76656374

func (d *postgresDB) vectorLogLock() string {
	return fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, vectorLogLockKey)
}

func (d *postgresDB) ping(ctx context.Context) error {
	if err := d.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

func (d *postgresDB) close() error {
	d.pool.Close()
	return nil
}

func (d *postgresDB) backend() string { return "postgres" }

// PostgreSQL error codes (SQLSTATE) the store maps.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// translatePostgres maps constraint violations to the package's errors;
// it leaves errors it already translated alone.
func translatePostgres(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && !errors.Is(err, ErrConflict) && !errors.Is(err, errMissingReference) {
		switch pgErr.Code {
		case pgUniqueViolation:
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case pgForeignKeyViolation:
			return fmt.Errorf("%w: %w", errMissingReference, err)
		}
	}
	return err
}

// pgRunner is what pgxpool.Pool and pgx.Tx have in common.
type pgRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgQuerier struct{ r pgRunner }

func (q pgQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.r.Exec(ctx, query, args...)
	if err != nil {
		return 0, translatePostgres(err)
	}
	return tag.RowsAffected(), nil
}

func (q pgQuerier) query(ctx context.Context, query string, args ...any) (rowIterator, error) {
	rows, err := q.r.Query(ctx, query, args...)
	if err != nil {
		return nil, translatePostgres(err)
	}
	return pgRows{rows}, nil
}

func (q pgQuerier) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return pgRow{q.r.QueryRow(ctx, query, args...)}
}

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error { return translatePostgres(r.row.Scan(dest...)) }

type pgRows struct{ rows pgx.Rows }

func (r pgRows) Next() bool             { return r.rows.Next() }
func (r pgRows) Scan(dest ...any) error { return translatePostgres(r.rows.Scan(dest...)) }
func (r pgRows) Err() error             { return translatePostgres(r.rows.Err()) }
func (r pgRows) Close()                 { r.rows.Close() }

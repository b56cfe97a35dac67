package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// The SQL in this package is written once, in the dialect both SQLite and
// PostgreSQL understand ($n placeholders, ON CONFLICT, RETURNING, recursive
// CTEs). A database adapts one driver to the few operations that SQL needs and
// translates driver errors into the package's sentinels, so that everything
// above it is shared by both backends.

// errMissingReference is a foreign key violation; callers turn it into an
// ErrInvalid or ErrNotFound that names the field.
var errMissingReference = errors.New("referenced row does not exist")

// querier runs statements on a pool or inside a transaction. Errors it returns
// are translated: unique violations wrap ErrConflict, foreign key violations
// wrap errMissingReference, and no rows wraps sql.ErrNoRows.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	query(ctx context.Context, query string, args ...any) (rowIterator, error)
	queryRow(ctx context.Context, query string, args ...any) rowScanner
}

type rowScanner interface {
	Scan(dest ...any) error
}

type rowIterator interface {
	rowScanner
	Next() bool
	Err() error
	Close()
}

// database is one backend's connection handling.
type database interface {
	// reader runs statements outside a transaction.
	reader() querier
	// inTx runs fn in a write transaction that is committed when fn returns nil.
	inTx(ctx context.Context, fn func(q querier) error) error
	// snapshot runs fn in a read-only transaction that sees one consistent state.
	snapshot(ctx context.Context, fn func(q querier) error) error
	// lockRowSuffix is appended to a SELECT that reads a row the transaction
	// will rewrite, so concurrent read-modify-writes do not lose updates.
	lockRowSuffix() string
	// vectorLogLock is the statement a transaction that writes vectors runs
	// first ("" when the backend needs none; see inVectorTx).
	vectorLogLock() string
	ping(ctx context.Context) error
	close() error
	backend() string
}

// queryArgs collects positional arguments and hands out their placeholders.
type queryArgs []any

// add appends v and returns its placeholder ($n).
func (a *queryArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// addList appends every value and returns their comma-separated placeholders.
func addList[T any](a *queryArgs, values []T) string {
	placeholders := make([]string, len(values))
	for i, v := range values {
		placeholders[i] = a.add(v)
	}
	return strings.Join(placeholders, ", ")
}

// maxListArgs bounds IN lists, well below SQLite's limit on bound parameters.
const maxListArgs = 500

// inChunks calls fn for consecutive slices of at most maxListArgs values.
func inChunks[T any](values []T, fn func(chunk []T) error) error {
	for start := 0; start < len(values); start += maxListArgs {
		if err := fn(values[start:min(start+maxListArgs, len(values))]); err != nil {
			return err
		}
	}
	return nil
}

// collectIn scans with scan the rows of query, which ends in "IN", for ids
// in lists of at most maxListArgs.
func collectIn[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), query string, ids []string) ([]T, error) {
	var out []T
	err := inChunks(ids, func(chunk []string) error {
		var args queryArgs
		rows, err := collect(ctx, q, scan, query+` (`+addList(&args, chunk)+`)`, args...)
		out = append(out, rows...)
		return err
	})
	return out, err
}

// collect scans every row of a query with scan.
func collect[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

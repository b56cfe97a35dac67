package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxPreparedStatements bounds the statement cache; queries past it run
// unprepared. The store's reads are a fixed set of texts, except that an IN
// list of n IDs is its own text: recall asks for 4·limit candidates, so a
// few lengths are common and all fit.
const maxPreparedStatements = 512

// statementCache keeps a prepared statement per query text for a SQLite
// pool, which database/sql otherwise prepares anew on every call (for a
// recall's candidate rows, parsing cost as much as reading). PostgreSQL
// needs none: pgx caches prepared statements per connection by itself.
type statementCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// statement returns query prepared on db, preparing it on first use, or nil
// when the cache is full or preparing failed (running the query unprepared
// then reports the error with the usual translation).
func (c *statementCache) statement(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts) >= maxPreparedStatements {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st
}

func (c *statementCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts = nil
	return errors.Join(errs...)
}

// preparedRunner runs queries on a pool through the statement cache.
type preparedRunner struct {
	db    *sql.DB
	cache *statementCache
}

func (p preparedRunner) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.cache.statement(ctx, p.db, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p preparedRunner) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.cache.statement(ctx, p.db, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p preparedRunner) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.cache.statement(ctx, p.db, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

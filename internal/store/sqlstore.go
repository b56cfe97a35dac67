package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// sqlStore implements Store on top of a database; the SQL is shared by both backends.
type sqlStore struct {
	db database
}

var _ Store = (*sqlStore)(nil)

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.ping(ctx) }
func (s *sqlStore) Backend() string                { return s.db.backend() }
func (s *sqlStore) Close() error                   { return s.db.close() }

// newID returns a time-ordered UUIDv7, so IDs sort like their creation times.
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return id.String(), nil
}

// ensureID fills an empty ID with a new one.
func ensureID(id *string) error {
	if *id != "" {
		return nil
	}
	var err error
	*id, err = newID()
	return err
}

// storedTime is t as the database keeps it: UTC with microsecond precision
// (PostgreSQL's resolution), so a value read back equals the value written.
func storedTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// now is the current time as stored.
func now() time.Time { return storedTime(time.Now()) }

// timeOrNow is storedTime(t), or now when t is zero.
func timeOrNow(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return storedTime(t)
}

// stringsJSON encodes a list for a JSON column; nil is stored as [].
func stringsJSON(v []string) string {
	if v == nil {
		return "[]"
	}
	// Marshalling a []string cannot fail.
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonColumn scans a JSON column (TEXT on SQLite, JSONB on PostgreSQL) into a
// list; an empty list becomes nil so values round-trip the same on both backends.
type jsonColumn[T any] struct{ dest *[]T }

func (c jsonColumn[T]) Scan(src any) error {
	var list []T
	if err := scanJSON(src, &list); err != nil {
		return fmt.Errorf("scan JSON column: %w", err)
	}
	if len(list) == 0 {
		list = nil
	}
	*c.dest = list
	return nil
}

// scanJSON decodes a JSON column's value (a string on SQLite, bytes on
// PostgreSQL) into dest; NULL leaves dest at its zero value.
func scanJSON(src, dest any) error {
	var raw []byte
	switch v := src.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	case nil:
		return nil
	default:
		return fmt.Errorf("unexpected %T", src)
	}
	return json.Unmarshal(raw, dest)
}

// jsonList is the scan destination for a JSON list column.
func jsonList[T any](dest *[]T) jsonColumn[T] { return jsonColumn[T]{dest: dest} }

// notFound turns "no rows" into ErrNotFound naming what was looked for.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
	}
	return err
}

// requireRow turns zero affected rows into ErrNotFound.
func requireRow(n int64, err error, what, id string) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
	}
	return nil
}

// characterExists reports ErrNotFound when the character does not exist.
func characterExists(ctx context.Context, q querier, id string) error {
	var one int
	err := q.queryRow(ctx, `SELECT 1 FROM characters WHERE id = $1`, id).Scan(&one)
	return notFound(err, "character", id)
}

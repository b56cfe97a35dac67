package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// store_meta holds facts about the store itself rather than about the
// characters, such as the version of the embedder that made the stored
// vectors (so a server can tell that they need embedding again).

func (s *sqlStore) GetMeta(ctx context.Context, key string) (string, bool, error) {
	if err := required("key", key); err != nil {
		return "", false, err
	}
	var value string
	err := s.db.reader().queryRow(ctx, `SELECT value FROM store_meta WHERE key = $1`, key).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("get meta %q: %w", key, err)
	}
	return value, true, nil
}

func (s *sqlStore) SetMeta(ctx context.Context, key, value string) error {
	if err := required("key", key); err != nil {
		return err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		_, err := q.exec(ctx, `INSERT INTO store_meta (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("set meta %q: %w", key, err)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
)

// ForgetUser also deletes the characters' relationships with the user: how a
// character feels about someone, and why, is personal data about them too;
// and so is the persona they gave themselves.
func (s *sqlStore) ForgetUser(ctx context.Context, userID string) ([]string, error) {
	if err := required("user_id", userID); err != nil {
		return nil, err
	}
	var deleted []string
	err := s.inVectorTx(ctx, func(q querier) error {
		if _, err := q.exec(ctx, `DELETE FROM memory_vectors
			WHERE user_id = $1 OR memory_id IN (SELECT id FROM memories WHERE user_id = $1)`, userID); err != nil {
			return err
		}
		var err error
		deleted, err = collect(ctx, q, func(r rowScanner) (id string, err error) { return id, r.Scan(&id) },
			`DELETE FROM memories WHERE user_id = $1 RETURNING id`, userID)
		if err != nil {
			return err
		}
		if _, err := q.exec(ctx, `DELETE FROM messages WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `DELETE FROM relationships WHERE target = $1`, userID); err != nil {
			return err
		}
		_, err = q.exec(ctx, `DELETE FROM user_personas WHERE user_id = $1`, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("forget user: %w", err)
	}
	return deleted, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

const messageColumns = `id, character_id, channel_id, user_id, role, content, created_at`

func scanMessage(r rowScanner) (Message, error) {
	var m Message
	err := r.Scan(&m.ID, &m.CharacterID, &m.ChannelID, &m.UserID, &m.Role, &m.Content, &m.CreatedAt)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, err
}

// insertMessage inserts m; with ifAbsent an existing ID is skipped (n == 0).
func insertMessage(ctx context.Context, q querier, m Message, ifAbsent bool) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO messages (`+messageColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`+
		onConflictDoNothing("id", ifAbsent),
		m.ID, m.CharacterID, m.ChannelID, m.UserID, m.Role, m.Content, m.CreatedAt)
	switch {
	case errors.Is(err, errMissingReference):
		return 0, invalid("character_id", "no character with id %q", m.CharacterID)
	case errors.Is(err, ErrConflict):
		return 0, fmt.Errorf("message %q: %w", m.ID, ErrConflict)
	}
	return n, err
}

// prepareMessage validates m and fills its ID and timestamp.
func prepareMessage(m *Message) error {
	if err := validateMessage(*m); err != nil {
		return err
	}
	m.CreatedAt = timeOrNow(m.CreatedAt)
	return ensureID(&m.ID)
}

func (s *sqlStore) LogMessage(ctx context.Context, m Message) (Message, error) {
	if err := prepareMessage(&m); err != nil {
		return Message{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		_, err := insertMessage(ctx, q, m, false)
		return err
	})
	if err != nil {
		return Message{}, fmt.Errorf("log message: %w", err)
	}
	return m, nil
}

// RecentMessages with limit <= 0 returns the whole conversation.
func (s *sqlStore) RecentMessages(ctx context.Context, characterID, channelID string, limit int) ([]Message, error) {
	args := queryArgs{characterID, channelID}
	ms, err := collect(ctx, s.db.reader(), scanMessage, `SELECT `+messageColumns+` FROM messages
		WHERE character_id = $1 AND channel_id = $2 ORDER BY created_at DESC, id DESC`+limitOffset(&args, limit, 0), args...)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	slices.Reverse(ms)
	return ms, nil
}

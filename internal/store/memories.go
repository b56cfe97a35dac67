package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

const memoryColumns = `id, character_id, user_id, channel_id, kind, text, importance, tags, created_at, last_accessed_at`

func scanMemory(r rowScanner) (Memory, error) {
	var m Memory
	err := r.Scan(&m.ID, &m.CharacterID, &m.UserID, &m.ChannelID, &m.Kind, &m.Text, &m.Importance,
		jsonList(&m.Tags), &m.CreatedAt, &m.LastAccessedAt)
	m.CreatedAt, m.LastAccessedAt = m.CreatedAt.UTC(), m.LastAccessedAt.UTC()
	return m, err
}

// prepareMemory validates m and fills its ID and timestamps.
func prepareMemory(m *Memory) error {
	if err := validateMemory(*m); err != nil {
		return err
	}
	if err := ensureID(&m.ID); err != nil {
		return err
	}
	m.CreatedAt = timeOrNow(m.CreatedAt)
	if m.LastAccessedAt.IsZero() {
		m.LastAccessedAt = m.CreatedAt
	}
	m.LastAccessedAt = storedTime(m.LastAccessedAt)
	return nil
}

// insertMemory inserts m; with ifAbsent an existing ID is skipped (n == 0).
func insertMemory(ctx context.Context, q querier, m Memory, ifAbsent bool) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO memories (`+memoryColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`+onConflictDoNothing("id", ifAbsent),
		m.ID, m.CharacterID, m.UserID, m.ChannelID, string(m.Kind), m.Text, m.Importance, stringsJSON(m.Tags),
		m.CreatedAt, m.LastAccessedAt)
	switch {
	case errors.Is(err, errMissingReference):
		return 0, invalid("character_id", "no character with id %q", m.CharacterID)
	case errors.Is(err, ErrConflict):
		return 0, fmt.Errorf("memory %q: %w", m.ID, ErrConflict)
	}
	return n, err
}

func (s *sqlStore) CreateMemory(ctx context.Context, m Memory) (Memory, error) {
	if err := prepareMemory(&m); err != nil {
		return Memory{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		_, err := insertMemory(ctx, q, m, false)
		return err
	})
	if err != nil {
		return Memory{}, fmt.Errorf("create memory: %w", err)
	}
	return m, nil
}

func (s *sqlStore) GetMemory(ctx context.Context, id string) (Memory, error) {
	m, err := getMemory(ctx, s.db.reader(), id, "")
	return m, notFound(err, "memory", id)
}

func getMemory(ctx context.Context, q querier, id, suffix string) (Memory, error) {
	return scanMemory(q.queryRow(ctx, `SELECT `+memoryColumns+` FROM memories WHERE id = $1`+suffix, id))
}

func (s *sqlStore) GetMemories(ctx context.Context, ids []string) ([]Memory, error) {
	out, err := collectIn(ctx, s.db.reader(), scanMemory, `SELECT `+memoryColumns+` FROM memories WHERE id IN`, ids)
	if err != nil {
		return nil, fmt.Errorf("get memories: %w", err)
	}
	return out, nil
}

func (s *sqlStore) UpdateMemory(ctx context.Context, id string, patch MemoryPatch) (Memory, error) {
	var m Memory
	err := s.inVectorTx(ctx, func(q querier) error {
		var err error
		if m, err = getMemory(ctx, q, id, s.db.lockRowSuffix()); err != nil {
			return notFound(err, "memory", id)
		}
		setIf(&m.Text, patch.Text)
		setIf(&m.Kind, patch.Kind)
		setIf(&m.Importance, patch.Importance)
		setIf(&m.Tags, patch.Tags)
		if err := validateMemory(m); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `UPDATE memories SET text = $2, kind = $3, importance = $4, tags = $5 WHERE id = $1`,
			m.ID, m.Text, string(m.Kind), m.Importance, stringsJSON(m.Tags)); err != nil {
			return err
		}
		// Vector search filters on the kind, so the vector's copy follows.
		_, err = q.exec(ctx, `UPDATE memory_vectors SET kind = $2 WHERE memory_id = $1`, m.ID, string(m.Kind))
		return err
	})
	if err != nil {
		return Memory{}, fmt.Errorf("update memory: %w", err)
	}
	return m, nil
}

func (s *sqlStore) DeleteMemory(ctx context.Context, id string) error {
	err := s.inVectorTx(ctx, func(q querier) error {
		if _, err := q.exec(ctx, `DELETE FROM memory_vectors WHERE memory_id = $1`, id); err != nil {
			return err
		}
		n, err := q.exec(ctx, `DELETE FROM memories WHERE id = $1`, id)
		return requireRow(n, err, "memory", id)
	})
	if err != nil {
		return fmt.Errorf("delete memory: %w", err)
	}
	return nil
}

func (s *sqlStore) ListMemories(ctx context.Context, f MemoryFilter) ([]Memory, error) {
	if f.Kind != "" {
		if err := validKind(f.Kind); err != nil {
			return nil, err
		}
	}
	if f.Offset < 0 {
		return nil, invalid("offset", "must not be negative, got %d", f.Offset)
	}
	var (
		args  queryArgs
		where []string
	)
	for _, c := range []struct{ column, value string }{
		{"character_id", f.CharacterID}, {"user_id", f.UserID}, {"channel_id", f.ChannelID}, {"kind", string(f.Kind)},
	} {
		if c.value != "" {
			where = append(where, c.column+" = "+args.add(c.value))
		}
	}
	query := `SELECT ` + memoryColumns + ` FROM memories`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC` + limitOffset(&args, f.Limit, f.Offset)
	ms, err := collect(ctx, s.db.reader(), scanMemory, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list memories: %w", err)
	}
	return ms, nil
}

// limitOffset renders LIMIT/OFFSET; limit <= 0 means no limit.
func limitOffset(args *queryArgs, limit, offset int) string {
	if limit <= 0 && offset <= 0 {
		return ""
	}
	bound := int64(limit)
	if bound <= 0 {
		// SQLite needs a LIMIT before OFFSET; this one never binds.
		bound = math.MaxInt64
	}
	clause := ` LIMIT ` + args.add(bound)
	if offset > 0 {
		clause += ` OFFSET ` + args.add(int64(offset))
	}
	return clause
}

func (s *sqlStore) TouchMemories(ctx context.Context, accessed map[string]time.Time) error {
	// One statement per distinct time, all in one transaction.
	byTime := map[time.Time][]string{}
	for id, at := range accessed {
		at = timeOrNow(at)
		byTime[at] = append(byTime[at], id)
	}
	err := s.db.inTx(ctx, func(q querier) error {
		for at, ids := range byTime {
			err := inChunks(ids, func(chunk []string) error {
				args := queryArgs{at}
				_, err := q.exec(ctx, `UPDATE memories SET last_accessed_at = $1 WHERE id IN (`+addList(&args, chunk)+`)`, args...)
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch memories: %w", err)
	}
	return nil
}

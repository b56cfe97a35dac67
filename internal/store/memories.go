package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

const memoryColumns = `id, character_id, user_id, channel_id, kind, text, importance, tags, occurred_at, created_at, last_accessed_at`

// memoryValues are the placeholders of memoryColumns and then dedup_key.
const memoryValues = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12`

func scanMemory(r rowScanner) (Memory, error) {
	var m Memory
	err := r.Scan(&m.ID, &m.CharacterID, &m.UserID, &m.ChannelID, &m.Kind, &m.Text, &m.Importance,
		jsonList(&m.Tags), &m.OccurredAt, &m.CreatedAt, &m.LastAccessedAt)
	m.OccurredAt, m.CreatedAt, m.LastAccessedAt = m.OccurredAt.UTC(), m.CreatedAt.UTC(), m.LastAccessedAt.UTC()
	return m, err
}

// memoryArgs are the arguments of memoryValues.
func memoryArgs(m Memory) []any {
	return []any{m.ID, m.CharacterID, m.UserID, m.ChannelID, string(m.Kind), m.Text, m.Importance, stringsJSON(m.Tags),
		m.OccurredAt, m.CreatedAt, m.LastAccessedAt, dedupKey(m.UserID, m.Kind, m.Text)}
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
	if m.OccurredAt.IsZero() {
		m.OccurredAt = m.CreatedAt
	}
	m.OccurredAt = storedTime(m.OccurredAt)
	// Only a create reports deduplication; a caller's flag means nothing here.
	m.Deduplicated = false
	return nil
}

// memoryError names the field or row a failed memory insert is about.
func memoryError(err error, m Memory) error {
	switch {
	case errors.Is(err, errMissingReference):
		return invalid("character_id", "no character with id %q", m.CharacterID)
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("memory %q: %w", m.ID, err)
	}
	return err
}

// importMemory inserts m unless its ID is present (n == 0). It never drops a
// row for being a duplicate: when another memory holds m's dedup key, m is
// stored without one (NULL keys never collide).
//
// It tries the insert with the key first, letting either unique index refuse
// it, and only then without the key. A single statement that looked for the
// key's holder in a subquery was planned by PostgreSQL, on the statistics of a
// table still empty inside a long import transaction, as a scan of every
// memory of the character: importing 20,000 memories of one character took
// 67 s instead of a few.
func importMemory(ctx context.Context, q querier, m Memory) (int64, error) {
	args := memoryArgs(m)
	n, err := q.exec(ctx, `INSERT INTO memories (`+memoryColumns+`, dedup_key) VALUES (`+memoryValues+`)
		ON CONFLICT DO NOTHING`, args...)
	if err != nil || n > 0 {
		return n, memoryError(err, m)
	}
	// The ID is present (nothing to do), or another memory holds the key.
	n, err = q.exec(ctx, `INSERT INTO memories (`+memoryColumns+`, dedup_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)`+onConflictDoNothing("id", true),
		args[:11]...)
	return n, memoryError(err, m)
}

// createMemory inserts m, or, when the character has a memory with the same
// dedup key, raises that memory's importance to m's if m's is higher and
// returns it with Deduplicated set. The database decides which in one
// statement, so concurrent creates of the same memory store one row.
func createMemory(ctx context.Context, q querier, m Memory) (Memory, error) {
	got, err := scanMemory(q.queryRow(ctx, `INSERT INTO memories (`+memoryColumns+`, dedup_key) VALUES (`+memoryValues+`)
		ON CONFLICT (character_id, dedup_key) DO UPDATE SET importance =
			CASE WHEN excluded.importance > memories.importance THEN excluded.importance ELSE memories.importance END
		RETURNING `+memoryColumns, memoryArgs(m)...))
	if err != nil {
		return Memory{}, memoryError(err, m)
	}
	// A new row has the new ID; an existing one its own.
	got.Deduplicated = got.ID != m.ID
	return got, nil
}

func (s *sqlStore) CreateMemory(ctx context.Context, m Memory) (Memory, error) {
	if err := prepareMemory(&m); err != nil {
		return Memory{}, err
	}
	var created Memory
	err := s.db.inTx(ctx, func(q querier) error {
		var err error
		created, err = createMemory(ctx, q, m)
		return err
	})
	if err != nil {
		return Memory{}, fmt.Errorf("create memory: %w", err)
	}
	return created, nil
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
		old := m
		setIf(&m.Text, patch.Text)
		setIf(&m.Kind, patch.Kind)
		setIf(&m.Importance, patch.Importance)
		setIf(&m.Tags, patch.Tags)
		if patch.OccurredAt != nil {
			// Like a create's, a zero time means when the memory was stored.
			m.OccurredAt = storedTime(*patch.OccurredAt)
			if patch.OccurredAt.IsZero() {
				m.OccurredAt = m.CreatedAt
			}
		}
		if err := validateMemory(m); err != nil {
			return err
		}
		// The key follows the text and kind; otherwise it stays as it is
		// (NULL for a memory stored before keys existed).
		var key any
		if m.Text != old.Text || m.Kind != old.Kind {
			k := dedupKey(m.UserID, m.Kind, m.Text)
			if err := dedupConflict(ctx, q, m, k); err != nil {
				return err
			}
			key = k
		}
		if _, err := q.exec(ctx, `UPDATE memories SET text = $2, kind = $3, importance = $4, tags = $5, occurred_at = $6,
			dedup_key = COALESCE($7, dedup_key) WHERE id = $1`,
			m.ID, m.Text, string(m.Kind), m.Importance, stringsJSON(m.Tags), m.OccurredAt, key); err != nil {
			if errors.Is(err, ErrConflict) {
				// Another transaction took the key after dedupConflict looked.
				return fmt.Errorf("memory %q: another memory has the same text, kind and user: %w", m.ID, ErrConflict)
			}
			return err
		}
		// Vector search filters on the kind, so the vector's copy follows.
		// The write also happens when nothing of the vector changes: it is
		// what enters every update of a memory (its text, its time) in the
		// vector change log, which indexes in other processes follow.
		_, err = q.exec(ctx, `UPDATE memory_vectors SET kind = $2 WHERE memory_id = $1`, m.ID, string(m.Kind))
		return err
	})
	if err != nil {
		return Memory{}, fmt.Errorf("update memory: %w", err)
	}
	return m, nil
}

// dedupConflict is ErrConflict naming the other memory of m's character
// that holds the dedup key, if there is one.
func dedupConflict(ctx context.Context, q querier, m Memory, key string) error {
	var other string
	err := q.queryRow(ctx, `SELECT id FROM memories WHERE character_id = $1 AND dedup_key = $2 AND id <> $3`,
		m.CharacterID, key, m.ID).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("memory %q would have the same text, kind and user as memory %q: %w", m.ID, other, ErrConflict)
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
	if !f.After.IsZero() && !f.Before.IsZero() && f.After.After(f.Before) {
		return nil, invalid("after", "must not be later than before (%s > %s)", f.After.Format(time.RFC3339Nano), f.Before.Format(time.RFC3339Nano))
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
	// Bounds at the stored precision, so that a memory is within a bound
	// equal to the time it was given.
	if !f.After.IsZero() {
		where = append(where, "occurred_at >= "+args.add(storedTime(f.After)))
	}
	if !f.Before.IsZero() {
		where = append(where, "occurred_at <= "+args.add(storedTime(f.Before)))
	}
	query := `SELECT ` + memoryColumns + ` FROM memories`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY occurred_at DESC, created_at DESC, id DESC` + limitOffset(&args, f.Limit, f.Offset)
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

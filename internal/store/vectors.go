package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

const vectorColumns = `memory_id, character_id, user_id, channel_id, kind, vector`

// joinedVectorColumns are vectorColumns of memory_vectors v and the text and
// time of the memory of each, from memories m (NULL when the row is gone).
const joinedVectorColumns = `v.memory_id, v.character_id, v.user_id, v.channel_id, v.kind, v.vector, m.text, m.occurred_at`

// joinedVectors is the FROM clause of joinedVectorColumns.
const joinedVectors = ` FROM memory_vectors v LEFT JOIN memories m ON m.id = v.memory_id`

// encodeVector stores a vector as float32 little-endian bytes, the same on both backends.
func encodeVector(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("decode vector: %d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

func scanVector(r rowScanner) (MemoryVector, error) {
	var (
		v   MemoryVector
		raw []byte
	)
	if err := r.Scan(&v.MemoryID, &v.CharacterID, &v.UserID, &v.ChannelID, &v.Kind, &raw); err != nil {
		return v, err
	}
	var err error
	v.Vector, err = decodeVector(raw)
	return v, err
}

// scanJoinedVector scans joinedVectorColumns.
func scanJoinedVector(r rowScanner) (MemoryVector, error) {
	var (
		v          MemoryVector
		raw        []byte
		text       *string
		occurredAt *time.Time
	)
	if err := r.Scan(&v.MemoryID, &v.CharacterID, &v.UserID, &v.ChannelID, &v.Kind, &raw, &text, &occurredAt); err != nil {
		return v, err
	}
	if text != nil {
		v.Text = *text
	}
	if occurredAt != nil {
		v.OccurredAt = occurredAt.UTC()
	}
	var err error
	v.Vector, err = decodeVector(raw)
	return v, err
}

// writeVector inserts v; it replaces an existing vector unless ifAbsent, in
// which case an existing memory ID is skipped (n == 0).
func writeVector(ctx context.Context, q querier, v MemoryVector, ifAbsent bool) (int64, error) {
	onConflict := ` ON CONFLICT (memory_id) DO UPDATE SET character_id = excluded.character_id,
		user_id = excluded.user_id, channel_id = excluded.channel_id, kind = excluded.kind, vector = excluded.vector`
	if ifAbsent {
		onConflict = onConflictDoNothing("memory_id", true)
	}
	return q.exec(ctx, `INSERT INTO memory_vectors (`+vectorColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`+onConflict,
		v.MemoryID, v.CharacterID, v.UserID, v.ChannelID, string(v.Kind), encodeVector(v.Vector))
}

// inVectorTx is inTx for a transaction that writes vectors. The change log
// trigger takes the vector lock when the first vector row is written, which
// may be after the transaction has locked other rows (a memory, its
// character); another transaction holding the vector lock and waiting for
// those rows would then deadlock. Taking the lock first keeps one order.
func (s *sqlStore) inVectorTx(ctx context.Context, fn func(q querier) error) error {
	return s.db.inTx(ctx, func(q querier) error {
		if lock := s.db.vectorLogLock(); lock != "" {
			if _, err := q.exec(ctx, lock); err != nil {
				return fmt.Errorf("lock the vector change log: %w", err)
			}
		}
		return fn(q)
	})
}

func validateVectors(vs []MemoryVector) error {
	for i, v := range vs {
		if err := validateVector(v); err != nil {
			return within(fmt.Sprintf("vectors[%d]", i), err)
		}
	}
	return nil
}

func (s *sqlStore) UpsertVectors(ctx context.Context, vs []MemoryVector) error {
	if err := validateVectors(vs); err != nil {
		return err
	}
	err := s.inVectorTx(ctx, func(q querier) error {
		for _, v := range vs {
			if _, err := writeVector(ctx, q, v, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("upsert vectors: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteVectors(ctx context.Context, memoryIDs []string) error {
	err := s.inVectorTx(ctx, func(q querier) error {
		return inChunks(memoryIDs, func(chunk []string) error {
			var args queryArgs
			_, err := q.exec(ctx, `DELETE FROM memory_vectors WHERE memory_id IN (`+addList(&args, chunk)+`)`, args...)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("delete vectors: %w", err)
	}
	return nil
}

func (s *sqlStore) ScanVectors(ctx context.Context, fn func(MemoryVector) error) error {
	rows, err := s.db.reader().query(ctx, `SELECT `+joinedVectorColumns+joinedVectors+` ORDER BY v.memory_id`)
	if err != nil {
		return fmt.Errorf("scan vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanJoinedVector(rows)
		if err != nil {
			return fmt.Errorf("scan vectors: %w", err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan vectors: %w", err)
	}
	return nil
}

// CreateMemoryWithVector deduplicates like CreateMemory; the vector of an
// existing memory stays as it is (it was embedded from the same text).
func (s *sqlStore) CreateMemoryWithVector(ctx context.Context, m Memory, vector []float32) (Memory, error) {
	if err := prepareMemory(&m); err != nil {
		return Memory{}, err
	}
	v := MemoryVector{MemoryID: m.ID, CharacterID: m.CharacterID, UserID: m.UserID, ChannelID: m.ChannelID, Kind: m.Kind, Vector: vector}
	if err := validateVector(v); err != nil {
		return Memory{}, err
	}
	var created Memory
	err := s.inVectorTx(ctx, func(q querier) error {
		var err error
		if created, err = createMemory(ctx, q, m); err != nil || created.Deduplicated {
			return err
		}
		_, err = writeVector(ctx, q, v, false)
		return err
	})
	if err != nil {
		return Memory{}, fmt.Errorf("create memory with vector: %w", err)
	}
	return created, nil
}

func (s *sqlStore) GetVectors(ctx context.Context, ids []string) ([]MemoryVector, error) {
	out, err := collectIn(ctx, s.db.reader(), scanJoinedVector, `SELECT `+joinedVectorColumns+joinedVectors+` WHERE v.memory_id IN`, ids)
	if err != nil {
		return nil, fmt.Errorf("get vectors: %w", err)
	}
	return out, nil
}

func (s *sqlStore) LastVectorChange(ctx context.Context) (int64, error) {
	var last int64
	if err := s.db.reader().queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM vector_changes`).Scan(&last); err != nil {
		return 0, fmt.Errorf("read the last vector change: %w", err)
	}
	return last, nil
}

func (s *sqlStore) VectorChanges(ctx context.Context, after int64, limit int) (ids []string, last int64, complete bool, err error) {
	last = after
	err = s.db.snapshot(ctx, func(q querier) error {
		// The oldest change kept tells whether any after `after` were pruned.
		var oldest int64
		if err := q.queryRow(ctx, `SELECT COALESCE(MIN(seq), 0) FROM vector_changes`).Scan(&oldest); err != nil {
			return err
		}
		complete = oldest == 0 || oldest <= after+1
		rows, err := q.query(ctx, `SELECT seq, memory_id FROM vector_changes WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&last, &id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, after, false, fmt.Errorf("read vector changes: %w", err)
	}
	return ids, last, complete, nil
}

func (s *sqlStore) PruneVectorChanges(ctx context.Context, keep int64) error {
	err := s.db.inTx(ctx, func(q querier) error {
		_, err := q.exec(ctx, `DELETE FROM vector_changes WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM vector_changes) - $1`, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("prune vector changes: %w", err)
	}
	return nil
}

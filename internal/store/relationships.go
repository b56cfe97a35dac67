package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

const relationshipColumns = `character_id, target, affinity, trust, history, updated_at`

func scanRelationship(r rowScanner) (Relationship, error) {
	var rel Relationship
	err := r.Scan(&rel.CharacterID, &rel.Target, &rel.Affinity, &rel.Trust, jsonList(&rel.History), &rel.UpdatedAt)
	rel.UpdatedAt = rel.UpdatedAt.UTC()
	for i := range rel.History {
		rel.History[i].At = rel.History[i].At.UTC()
	}
	return rel, err
}

func historyJSON(h []RelationshipChange) (string, error) {
	if h == nil {
		return "[]", nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("encode relationship history: %w", err)
	}
	return string(b), nil
}

// writeRelationship inserts rel. An existing row is replaced when replace is
// set and skipped otherwise (n == 0).
func writeRelationship(ctx context.Context, q querier, rel Relationship, replace bool) (int64, error) {
	history, err := historyJSON(rel.History)
	if err != nil {
		return 0, err
	}
	onConflict := onConflictDoNothing("character_id, target", true)
	if replace {
		onConflict = ` ON CONFLICT (character_id, target) DO UPDATE SET affinity = excluded.affinity,
			trust = excluded.trust, history = excluded.history, updated_at = excluded.updated_at`
	}
	n, err := q.exec(ctx, `INSERT INTO relationships (`+relationshipColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`+onConflict,
		rel.CharacterID, rel.Target, rel.Affinity, rel.Trust, history, rel.UpdatedAt)
	if errors.Is(err, errMissingReference) {
		return 0, fmt.Errorf("character %q: %w", rel.CharacterID, ErrNotFound)
	}
	return n, err
}

// prepareRelationship validates an imported relationship and normalises its timestamps.
func prepareRelationship(r *Relationship) error {
	r.UpdatedAt = timeOrNow(r.UpdatedAt)
	for i := range r.History {
		r.History[i].At = timeOrNow(r.History[i].At)
	}
	return validateRelationship(*r)
}

func getRelationship(ctx context.Context, q querier, characterID, target, suffix string) (Relationship, error) {
	return scanRelationship(q.queryRow(ctx, `SELECT `+relationshipColumns+` FROM relationships
		WHERE character_id = $1 AND target = $2`+suffix, characterID, target))
}

// GetRelationship returns the stored relationship, or a neutral one (zero
// values, zero UpdatedAt) when the character never had feelings about target.
func (s *sqlStore) GetRelationship(ctx context.Context, characterID, target string) (Relationship, error) {
	q := s.db.reader()
	rel, err := getRelationship(ctx, q, characterID, target, "")
	if errors.Is(err, sql.ErrNoRows) {
		if err := characterExists(ctx, q, characterID); err != nil {
			return Relationship{}, fmt.Errorf("get relationship: %w", err)
		}
		return Relationship{CharacterID: characterID, Target: target}, nil
	}
	if err != nil {
		return Relationship{}, fmt.Errorf("get relationship: %w", err)
	}
	return rel, nil
}

func (s *sqlStore) ListRelationships(ctx context.Context, characterID string) ([]Relationship, error) {
	q := s.db.reader()
	rels, err := collect(ctx, q, scanRelationship, `SELECT `+relationshipColumns+` FROM relationships
		WHERE character_id = $1 ORDER BY updated_at DESC, target`, characterID)
	if err == nil && len(rels) == 0 {
		err = characterExists(ctx, q, characterID)
	}
	if err != nil {
		return nil, fmt.Errorf("list relationships: %w", err)
	}
	return rels, nil
}

func (s *sqlStore) UpdateRelationship(ctx context.Context, characterID, target string, change RelationshipChange) (Relationship, error) {
	if err := required("target", target); err != nil {
		return Relationship{}, err
	}
	if err := validateRelationshipChange(change); err != nil {
		return Relationship{}, err
	}
	change.At = timeOrNow(change.At)
	var rel Relationship
	err := s.db.inTx(ctx, func(q querier) error {
		// Make sure the row exists, then lock it for the read-modify-write.
		neutral := Relationship{CharacterID: characterID, Target: target, UpdatedAt: change.At}
		if _, err := writeRelationship(ctx, q, neutral, false); err != nil {
			return err
		}
		var err error
		if rel, err = getRelationship(ctx, q, characterID, target, s.db.lockRowSuffix()); err != nil {
			return err
		}
		rel.Affinity = clampUnit(rel.Affinity + change.AffinityDelta)
		rel.Trust = clampUnit(rel.Trust + change.TrustDelta)
		rel.History = append(rel.History, change)
		rel.UpdatedAt = change.At
		_, err = writeRelationship(ctx, q, rel, true)
		return err
	})
	if err != nil {
		return Relationship{}, fmt.Errorf("update relationship: %w", err)
	}
	return rel, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The state a character has before anything changed it.
const (
	DefaultEmotion = "neutral"
	DefaultEnergy  = MaxEnergy
)

const stateColumns = `character_id, emotion, energy, location, goals, inventory, updated_at`

func scanState(r rowScanner) (CharacterState, error) {
	var st CharacterState
	err := r.Scan(&st.CharacterID, &st.Emotion, &st.Energy, &st.Location, jsonList(&st.Goals), jsonList(&st.Inventory), &st.UpdatedAt)
	st.UpdatedAt = st.UpdatedAt.UTC()
	return st, err
}

// insertState inserts st; with ifAbsent an existing row is skipped (n == 0).
func insertState(ctx context.Context, q querier, st CharacterState, ifAbsent bool) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO character_states (`+stateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`+
		onConflictDoNothing("character_id", ifAbsent),
		st.CharacterID, st.Emotion, st.Energy, st.Location, stringsJSON(st.Goals), stringsJSON(st.Inventory), st.UpdatedAt)
	if errors.Is(err, errMissingReference) {
		return 0, fmt.Errorf("character %q: %w", st.CharacterID, ErrNotFound)
	}
	return n, err
}

// prepareState validates an imported state and normalises its timestamp.
func prepareState(st *CharacterState) error {
	st.UpdatedAt = timeOrNow(st.UpdatedAt)
	return validateState(*st)
}

// GetCharacterState returns the stored state, or the default state (with a
// zero UpdatedAt) for a character whose state never changed.
func (s *sqlStore) GetCharacterState(ctx context.Context, characterID string) (CharacterState, error) {
	q := s.db.reader()
	st, err := scanState(q.queryRow(ctx, `SELECT `+stateColumns+` FROM character_states WHERE character_id = $1`, characterID))
	if errors.Is(err, sql.ErrNoRows) {
		if err := characterExists(ctx, q, characterID); err != nil {
			return CharacterState{}, fmt.Errorf("get character state: %w", err)
		}
		return CharacterState{CharacterID: characterID, Emotion: DefaultEmotion, Energy: DefaultEnergy}, nil
	}
	if err != nil {
		return CharacterState{}, fmt.Errorf("get character state: %w", err)
	}
	return st, nil
}

func (s *sqlStore) UpdateCharacterState(ctx context.Context, characterID string, patch StatePatch) (CharacterState, error) {
	if patch.Energy != nil {
		if err := inRange("energy", *patch.Energy, MinEnergy, MaxEnergy); err != nil {
			return CharacterState{}, err
		}
	}
	var st CharacterState
	err := s.db.inTx(ctx, func(q querier) error {
		// Make sure the row exists, then lock it for the read-modify-write.
		initial := CharacterState{CharacterID: characterID, Emotion: DefaultEmotion, Energy: DefaultEnergy, UpdatedAt: now()}
		if _, err := insertState(ctx, q, initial, true); err != nil {
			return err
		}
		var err error
		st, err = scanState(q.queryRow(ctx, `SELECT `+stateColumns+` FROM character_states WHERE character_id = $1`+
			s.db.lockRowSuffix(), characterID))
		if err != nil {
			return err
		}
		setIf(&st.Emotion, patch.Emotion)
		setIf(&st.Energy, patch.Energy)
		setIf(&st.Location, patch.Location)
		setIf(&st.Goals, patch.Goals)
		setIf(&st.Inventory, patch.Inventory)
		st.UpdatedAt = now()
		_, err = q.exec(ctx, `UPDATE character_states SET emotion = $2, energy = $3, location = $4, goals = $5,
			inventory = $6, updated_at = $7 WHERE character_id = $1`,
			st.CharacterID, st.Emotion, st.Energy, st.Location, stringsJSON(st.Goals), stringsJSON(st.Inventory), st.UpdatedAt)
		return err
	})
	if err != nil {
		return CharacterState{}, fmt.Errorf("update character state: %w", err)
	}
	return st, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
)

const characterColumns = `id, name, personality, background, speech_patterns, goals, style, created_at, updated_at`

func scanCharacter(r rowScanner) (Character, error) {
	var c Character
	err := r.Scan(&c.ID, &c.Name, &c.Personality, &c.Background, &c.SpeechPatterns,
		jsonList(&c.Goals), &c.Style, &c.CreatedAt, &c.UpdatedAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// characterConflict explains a unique violation on characters.
func characterConflict(err error, name string) error {
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("character name %q: %w", name, ErrConflict)
	}
	return err
}

// insertCharacter inserts c; with ifAbsent an existing ID is skipped (n == 0).
func insertCharacter(ctx context.Context, q querier, c Character, ifAbsent bool) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO characters (`+characterColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`+onConflictDoNothing("id", ifAbsent),
		c.ID, c.Name, c.Personality, c.Background, c.SpeechPatterns, stringsJSON(c.Goals), c.Style, c.CreatedAt, c.UpdatedAt)
	return n, characterConflict(err, c.Name)
}

// prepareCharacter validates c and fills its ID and timestamps.
func prepareCharacter(c *Character) error {
	if err := validateCharacter(*c); err != nil {
		return err
	}
	if err := ensureID(&c.ID); err != nil {
		return err
	}
	c.CreatedAt = timeOrNow(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.UpdatedAt = storedTime(c.UpdatedAt)
	return nil
}

func (s *sqlStore) CreateCharacter(ctx context.Context, c Character) (Character, error) {
	if err := prepareCharacter(&c); err != nil {
		return Character{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		_, err := insertCharacter(ctx, q, c, false)
		return err
	})
	if err != nil {
		return Character{}, fmt.Errorf("create character: %w", err)
	}
	return c, nil
}

func (s *sqlStore) GetCharacter(ctx context.Context, id string) (Character, error) {
	c, err := getCharacter(ctx, s.db.reader(), `id`, id, "")
	return c, notFound(err, "character", id)
}

func (s *sqlStore) GetCharacterByName(ctx context.Context, name string) (Character, error) {
	c, err := getCharacter(ctx, s.db.reader(), `name`, name, "")
	return c, notFound(err, "character named", name)
}

func getCharacter(ctx context.Context, q querier, column, value, suffix string) (Character, error) {
	return scanCharacter(q.queryRow(ctx, `SELECT `+characterColumns+` FROM characters WHERE `+column+` = $1`+suffix, value))
}

func (s *sqlStore) ListCharacters(ctx context.Context) ([]Character, error) {
	cs, err := collect(ctx, s.db.reader(), scanCharacter, `SELECT `+characterColumns+` FROM characters ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list characters: %w", err)
	}
	return cs, nil
}

func (s *sqlStore) UpdateCharacter(ctx context.Context, id string, patch CharacterPatch) (Character, error) {
	var c Character
	err := s.db.inTx(ctx, func(q querier) error {
		var err error
		c, err = getCharacter(ctx, q, `id`, id, s.db.lockRowSuffix())
		if err != nil {
			return notFound(err, "character", id)
		}
		applyCharacterPatch(&c, patch)
		if err := validateCharacter(c); err != nil {
			return err
		}
		c.UpdatedAt = now()
		_, err = q.exec(ctx, `UPDATE characters SET name = $2, personality = $3, background = $4,
			speech_patterns = $5, goals = $6, style = $7, updated_at = $8 WHERE id = $1`,
			c.ID, c.Name, c.Personality, c.Background, c.SpeechPatterns, stringsJSON(c.Goals), c.Style, c.UpdatedAt)
		return characterConflict(err, c.Name)
	})
	if err != nil {
		return Character{}, fmt.Errorf("update character: %w", err)
	}
	return c, nil
}

func applyCharacterPatch(c *Character, p CharacterPatch) {
	setIf(&c.Name, p.Name)
	setIf(&c.Personality, p.Personality)
	setIf(&c.Background, p.Background)
	setIf(&c.SpeechPatterns, p.SpeechPatterns)
	setIf(&c.Goals, p.Goals)
	setIf(&c.Style, p.Style)
}

// setIf sets *dst to *v when the patch field v is present.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (s *sqlStore) DeleteCharacter(ctx context.Context, id string) error {
	err := s.inVectorTx(ctx, func(q querier) error {
		// Vectors do not reference memories (see the schema), so they go first
		// while the memories that name them still exist.
		if _, err := q.exec(ctx, `DELETE FROM memory_vectors
			WHERE character_id = $1 OR memory_id IN (SELECT id FROM memories WHERE character_id = $1)`, id); err != nil {
			return err
		}
		// Its own lore books (owner_id is no foreign key: channels own books
		// too); their entries cascade.
		if _, err := q.exec(ctx, `DELETE FROM lore_books WHERE scope = $1 AND owner_id = $2`, LoreScopeCharacter, id); err != nil {
			return err
		}
		// Memories, state, relationships, messages and the card cascade.
		n, err := q.exec(ctx, `DELETE FROM characters WHERE id = $1`, id)
		return requireRow(n, err, "character", id)
	})
	if err != nil {
		return fmt.Errorf("delete character: %w", err)
	}
	return nil
}

// onConflictDoNothing is the clause that makes an insert skip existing keys.
func onConflictDoNothing(key string, enabled bool) string {
	if !enabled {
		return ""
	}
	return ` ON CONFLICT (` + key + `) DO NOTHING`
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Persona is who a user is in the story: Name is what {{user}} stands for
// in their turns, Description goes into the context of those turns.
type Persona struct {
	UserID      string    `json:"user_id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Persona limits, in characters: a name is a name (Discord's nickname
// limit is 32; some room for a title), and a description is a paragraph or
// a few, like a card's description of a character, not a book.
const (
	MaxPersonaName        = 100
	MaxPersonaDescription = 8000
)

const personaColumns = `user_id, name, description, updated_at`

func scanPersona(r rowScanner) (Persona, error) {
	var p Persona
	err := r.Scan(&p.UserID, &p.Name, &p.Description, &p.UpdatedAt)
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, err
}

// preparePersona validates p and normalises its text and time.
func preparePersona(p *Persona) error {
	p.UserID, p.Name, p.Description = strings.TrimSpace(p.UserID), strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
	if err := required("user_id", p.UserID); err != nil {
		return err
	}
	if err := required("name", p.Name); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(p.Name); n > MaxPersonaName {
		return invalid("name", "is %d characters long, at most %d are allowed", n, MaxPersonaName)
	}
	if strings.ContainsAny(p.Name, "\r\n") {
		return invalid("name", "must be one line")
	}
	if n := utf8.RuneCountInString(p.Description); n > MaxPersonaDescription {
		return invalid("description", "is %d characters long, at most %d are allowed", n, MaxPersonaDescription)
	}
	for field, v := range map[string]string{"user_id": p.UserID, "name": p.Name, "description": p.Description} {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return invalid(field, "must be UTF-8 text without NUL characters")
		}
	}
	p.UpdatedAt = timeOrNow(p.UpdatedAt)
	return nil
}

func (s *sqlStore) SetPersona(ctx context.Context, p Persona) (Persona, error) {
	if err := preparePersona(&p); err != nil {
		return Persona{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		_, err := q.exec(ctx, `INSERT INTO user_personas (`+personaColumns+`) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, description = excluded.description,
			updated_at = excluded.updated_at`, p.UserID, p.Name, p.Description, p.UpdatedAt)
		return err
	})
	if err != nil {
		return Persona{}, fmt.Errorf("set persona: %w", err)
	}
	return p, nil
}

// insertPersona inserts an imported persona unless its user has one
// (n == 0): an import adds what the store lacks and changes nothing.
func insertPersona(ctx context.Context, q querier, p Persona) (int64, error) {
	return q.exec(ctx, `INSERT INTO user_personas (`+personaColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO NOTHING`, p.UserID, p.Name, p.Description, p.UpdatedAt)
}

func (s *sqlStore) GetPersona(ctx context.Context, userID string) (Persona, error) {
	p, err := scanPersona(s.db.reader().queryRow(ctx, `SELECT `+personaColumns+` FROM user_personas WHERE user_id = $1`, strings.TrimSpace(userID)))
	if err != nil {
		return Persona{}, fmt.Errorf("get persona: %w", notFound(err, "persona of user", userID))
	}
	return p, nil
}

func (s *sqlStore) DeletePersona(ctx context.Context, userID string) error {
	err := s.db.inTx(ctx, func(q querier) error {
		n, err := q.exec(ctx, `DELETE FROM user_personas WHERE user_id = $1`, strings.TrimSpace(userID))
		return requireRow(n, err, "persona of user", userID)
	})
	if err != nil {
		return fmt.Errorf("delete persona: %w", err)
	}
	return nil
}

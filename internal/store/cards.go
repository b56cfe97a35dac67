package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Card formats, as card.Format names them.
var cardFormats = []string{"json", "png", "charx"}

// CharacterCard is the character card a character was imported from, kept
// exactly as it was, so that whatever charsim's model does not map (and the
// bytes themselves) survives; Avatar is the image the card carried, for
// export and for avatars served to Discord.
type CharacterCard struct {
	CharacterID string    `json:"character_id"`
	Format      string    `json:"format"`                 // json, png or charx
	SpecVersion string    `json:"spec_version,omitempty"` // e.g. "V2", "V3"
	Original    []byte    `json:"original"`
	Avatar      []byte    `json:"avatar,omitempty"`
	ImportedAt  time.Time `json:"imported_at"`
}

const cardColumns = `character_id, format, spec_version, original, avatar, imported_at`

func scanCard(r rowScanner) (CharacterCard, error) {
	var c CharacterCard
	err := r.Scan(&c.CharacterID, &c.Format, &c.SpecVersion, &c.Original, &c.Avatar, &c.ImportedAt)
	c.ImportedAt = c.ImportedAt.UTC()
	if len(c.Avatar) == 0 {
		c.Avatar = nil
	}
	return c, err
}

func validateCard(c CharacterCard) error {
	if err := required("character_id", c.CharacterID); err != nil {
		return err
	}
	if err := oneOf("format", c.Format, cardFormats); err != nil {
		return err
	}
	if len(c.Original) == 0 {
		return invalid("original", "is required")
	}
	return nil
}

// putCard upserts the card of its character.
func putCard(ctx context.Context, q querier, c CharacterCard) error {
	_, err := q.exec(ctx, `INSERT INTO character_cards (`+cardColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (character_id) DO UPDATE SET format = excluded.format, spec_version = excluded.spec_version,
		original = excluded.original, avatar = excluded.avatar, imported_at = excluded.imported_at`,
		c.CharacterID, c.Format, c.SpecVersion, c.Original, c.Avatar, c.ImportedAt)
	if errors.Is(err, errMissingReference) {
		return fmt.Errorf("character %q: %w", c.CharacterID, ErrNotFound)
	}
	return err
}

// prepareCard validates c and normalises its time.
func prepareCard(c *CharacterCard) error {
	if err := validateCard(*c); err != nil {
		return err
	}
	c.ImportedAt = timeOrNow(c.ImportedAt)
	if len(c.Avatar) == 0 {
		c.Avatar = nil
	}
	return nil
}

// insertCard inserts an imported card unless its character has one (n == 0).
func insertCard(ctx context.Context, q querier, c CharacterCard) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO character_cards (`+cardColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (character_id) DO NOTHING`, c.CharacterID, c.Format, c.SpecVersion, c.Original, c.Avatar, c.ImportedAt)
	if errors.Is(err, errMissingReference) {
		return 0, fmt.Errorf("character %q: %w", c.CharacterID, ErrNotFound)
	}
	return n, err
}

func (s *sqlStore) PutCharacterCard(ctx context.Context, c CharacterCard) (CharacterCard, error) {
	if err := prepareCard(&c); err != nil {
		return CharacterCard{}, err
	}
	if err := s.db.inTx(ctx, func(q querier) error { return putCard(ctx, q, c) }); err != nil {
		return CharacterCard{}, fmt.Errorf("put character card: %w", err)
	}
	return c, nil
}

func (s *sqlStore) GetCharacterCard(ctx context.Context, characterID string) (CharacterCard, error) {
	c, err := scanCard(s.db.reader().queryRow(ctx, `SELECT `+cardColumns+` FROM character_cards WHERE character_id = $1`, characterID))
	if err != nil {
		return CharacterCard{}, fmt.Errorf("get character card: %w", notFound(err, "card of character", characterID))
	}
	return c, nil
}

func oneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return invalid(field, "must be one of %v, got %q", allowed, v)
	}
	return nil
}

// CardImport is everything a character card brings, written together by
// ImportCharacterCard: the character, the card as it was, and its lorebook.
type CardImport struct {
	Character Character     `json:"character"`
	Card      CharacterCard `json:"card"`
	// Book is the card's character_book, nil when it has none; its Scope
	// and OwnerID are set to the new character's.
	Book    *LoreBook   `json:"book,omitempty"`
	Entries []LoreEntry `json:"entries,omitempty"`
}

func (s *sqlStore) ImportCharacterCard(ctx context.Context, in CardImport) (CardImport, error) {
	c := in.Character
	if err := prepareCharacter(&c); err != nil {
		return CardImport{}, within("character", err)
	}
	card := in.Card
	card.CharacterID = c.ID
	card.ImportedAt = timeOrNow(card.ImportedAt)
	if err := validateCard(card); err != nil {
		return CardImport{}, within("card", err)
	}
	out := CardImport{Character: c, Card: card}
	if in.Book != nil {
		b := *in.Book
		b.Scope, b.OwnerID = LoreScopeCharacter, c.ID
		if err := prepareLoreBook(&b); err != nil {
			return CardImport{}, within("book", err)
		}
		out.Book = &b
	} else if len(in.Entries) > 0 {
		return CardImport{}, invalid("entries", "need a book")
	}
	// One transaction: a card whose lorebook cannot be stored leaves no
	// character behind.
	err := s.db.inTx(ctx, func(q querier) error {
		if _, err := insertCharacter(ctx, q, c, false); err != nil {
			return err
		}
		if err := putCard(ctx, q, card); err != nil {
			return err
		}
		if out.Book == nil {
			return nil
		}
		if _, err := insertLoreBook(ctx, q, *out.Book, false); err != nil {
			return err
		}
		for i, e := range in.Entries {
			e.ID, e.BookID = "", out.Book.ID
			if err := appendLoreEntry(ctx, q, "", &e); err != nil {
				return within(fmt.Sprintf("entries[%d]", i), err)
			}
			out.Entries = append(out.Entries, e)
		}
		return nil
	})
	if err != nil {
		return CardImport{}, fmt.Errorf("import character card: %w", err)
	}
	return out, nil
}

package mcpserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/store"
)

type importCardInput struct {
	Content any    `json:"content" jsonschema:"The card file: base64 of a PNG, CHARX or JSON card file, or the card JSON itself (an object, or a string holding it). Pass base64 to keep the file byte for byte."`
	Name    string `json:"name,omitempty" jsonschema:"Name for the new character instead of the card's, e.g. when a character with that name exists."`
}

// ImportedCard is what a card import created.
type ImportedCard struct {
	Character   store.Character `json:"character"`
	Format      string          `json:"format" jsonschema:"The container read: json, png or charx."`
	SpecVersion string          `json:"spec_version" jsonschema:"The card version read: V1, V2 or V3."`
	Greetings   []string        `json:"greetings" jsonschema:"first_mes and the alternate greetings: the character's possible opening messages."`
	LoreBookID  string          `json:"lore_book_id,omitempty" jsonschema:"ID of the character's lore book, made from the card's character_book."`
	LoreEntries int             `json:"lore_entries" jsonschema:"How many lore entries were imported."`
	Warnings    []string        `json:"warnings,omitempty" jsonschema:"What the lenient reader let through, for the user to check."`
}

type exportCardInput struct {
	characterArg
	Format string `json:"format,omitempty" jsonschema:"json (Character Card V3 JSON) or png (a PNG with the card in its chara and ccv3 chunks, as base64)."`
}

type exportedCard struct {
	Format string `json:"format"`
	// CardJSON is the V3 card JSON as text (format json): a string, not an
	// object, so that no client's JSON decoding reorders its keys or
	// rewrites its numbers on the way.
	CardJSON string `json:"card_json,omitempty" jsonschema:"The Character Card V3 JSON file as text (format json)."`
	// PNGBase64 is the PNG file, base64 (format png).
	PNGBase64 string `json:"png_base64,omitempty" jsonschema:"The PNG file, base64 (format png)."`
}

// cardFormats are the export formats.
var cardFormats = []string{"json", "png"}

func (s *Server) registerCardTools() {
	addTool(s, toolInfo{
		name: "import_character_card",
		description: "Create a character from a character card (TavernAI / SillyTavern V1, V2 or V3; JSON, PNG or CHARX), " +
			"with its persona, greetings and lorebook. Use this when the user gives a card file or card JSON. " +
			"The card is read completely first: a broken or hostile file is refused and nothing is stored.",
	}, s.importCard)

	addTool(s, toolInfo{
		name: "export_character_card",
		description: "Export a character as a Character Card V3, as JSON or as a PNG (base64) with its avatar, " +
			"including its lore book. A card imported earlier comes back with everything it had.",
		readOnly: true,
		rules:    []schemaRule{oneOf("format", cardFormats), byDefault("format", "json")},
	}, s.exportCard)
}

// cardContent is the file the content argument holds.
func cardContent(v any) ([]byte, error) {
	switch c := v.(type) {
	case map[string]any:
		// Already parsed by the protocol: key order and number spelling are
		// the encoder's from here on.
		b, err := json.Marshal(c)
		if err != nil {
			return nil, badArgument("content", "cannot encode the card object: %v", err)
		}
		return b, nil
	case string:
		text := strings.TrimSpace(c)
		if text == "" {
			return nil, badArgument("content", "is empty")
		}
		if strings.HasPrefix(text, "{") {
			return []byte(text), nil
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(strings.Join(strings.Fields(text), "")); err == nil {
				return b, nil
			}
		}
		return nil, badArgument("content", "is neither base64 nor card JSON")
	case nil:
		return nil, badArgument("content", "is required")
	}
	return nil, badArgument("content", "must be a base64 string or a card JSON object, got %T", v)
}

func (s *Server) importCard(ctx context.Context, in importCardInput) (ImportedCard, error) {
	data, err := cardContent(in.Content)
	if err != nil {
		return ImportedCard{}, err
	}
	return ImportCardFileWithin(ctx, s.store, s.cardLimits, data, in.Name)
}

// ImportCardFile creates a character from a card file (JSON, PNG or CHARX,
// any version) in st, with its stored original and its lore book, as the
// import_character_card tool does (charsimctl card import uses it too).
// The file is decoded completely before anything is stored. name, when
// not empty, replaces the card's name. A refused file is an error naming
// the argument ("content" or "name").
func ImportCardFile(ctx context.Context, st store.Store, data []byte, name string) (ImportedCard, error) {
	return ImportCardFileWithin(ctx, st, card.Limits{}, data, name)
}

// ImportCardFileWithin is ImportCardFile with these limits (the server's
// CARD_MAX_FILE_SIZE) instead of the defaults.
func ImportCardFileWithin(ctx context.Context, st store.Store, lim card.Limits, data []byte, name string) (ImportedCard, error) {
	// Decode everything before storing anything: a hostile file leaves no trace.
	res, err := lim.Decode(data)
	if err != nil {
		return ImportedCard{}, badArgument("content", "%v", err)
	}
	ch := characterFromCard(res.Card)
	if name := strings.TrimSpace(name); name != "" {
		ch.Name = name
	}
	imp := store.CardImport{
		Character: ch,
		Card: store.CharacterCard{
			Format: string(res.Format), SpecVersion: res.Version.String(), Original: res.Original, Avatar: res.Avatar,
		},
	}
	if res.Card.CharacterBook != nil {
		book, entries := bookFromCard(res.Card.CharacterBook)
		imp.Book, imp.Entries = &book, entries
	}
	out, err := st.ImportCharacterCard(ctx, imp)
	var fe *store.FieldError
	switch {
	case errors.Is(err, store.ErrConflict):
		return ImportedCard{}, badArgument("name", "a character named %q exists already; pass another name", ch.Name)
	case errors.As(err, &fe) && strings.HasPrefix(fe.Field, "character.name"):
		return ImportedCard{}, badArgument("content", "the card has no name; pass one in name")
	case errors.As(err, &fe):
		return ImportedCard{}, badArgument("content", "the card's lorebook cannot be stored: %v", err)
	case err != nil:
		return ImportedCard{}, err
	}
	result := ImportedCard{
		Character: out.Character, Format: string(res.Format), SpecVersion: res.Version.String(),
		Greetings: res.Card.Greetings(), LoreEntries: len(out.Entries), Warnings: res.Warnings,
	}
	if result.Greetings == nil {
		result.Greetings = []string{}
	}
	if out.Book != nil {
		result.LoreBookID = out.Book.ID
	}
	return result, nil
}

// characterCard is the card of a character as it is now: the stored
// original with the character's fields and lore book laid over it, or a
// new card for a character that was not imported. avatar is the stored
// image, nil when there is none.
func characterCard(ctx context.Context, st store.Store, ch store.Character) (c *card.Card, avatar []byte, err error) {
	stored, err := st.GetCharacterCard(ctx, ch.ID)
	switch {
	case err == nil:
		res, err := card.Decode(stored.Original)
		if err != nil {
			return nil, nil, fmt.Errorf("decode the stored card of %s: %w", ch.Name, err)
		}
		c, avatar = res.Card, stored.Avatar
	case errors.Is(err, store.ErrNotFound):
		c = &card.Card{}
	default:
		return nil, nil, err
	}
	if err := overlayCharacter(c, ch); err != nil {
		return nil, nil, err
	}
	books, err := st.ListLoreBooks(ctx, store.LoreBookFilter{Scope: store.LoreScopeCharacter, OwnerID: ch.ID})
	if err != nil {
		return nil, nil, err
	}
	c.CharacterBook = nil
	if len(books) > 0 {
		// A card has one book: the character's first (the imported one).
		entries, err := st.ListLoreEntries(ctx, books[0].ID)
		if err != nil {
			return nil, nil, err
		}
		if c.CharacterBook, err = bookToCard(books[0], entries); err != nil {
			return nil, nil, fmt.Errorf("export the lore book of %s: %w", ch.Name, err)
		}
	}
	return c, avatar, nil
}

func (s *Server) exportCard(ctx context.Context, in exportCardInput) (exportedCard, error) {
	ch, err := s.resolveCharacter(ctx, in.Character)
	if err != nil {
		return exportedCard{}, err
	}
	switch in.Format {
	case "png", "json", "":
	default:
		return exportedCard{}, badArgument("format", "must be json or png, got %q", in.Format)
	}
	b, err := ExportCardFile(ctx, s.store, ch, in.Format == "png")
	if err != nil {
		return exportedCard{}, err
	}
	if in.Format == "png" {
		return exportedCard{Format: "png", PNGBase64: base64.StdEncoding.EncodeToString(b)}, nil
	}
	return exportedCard{Format: "json", CardJSON: string(b)}, nil
}

// ExportCardFile is the card file of character ch as export_character_card
// writes it: Character Card V3 JSON, or a PNG with the avatar (or a
// placeholder) carrying the card in its chara and ccv3 chunks.
func ExportCardFile(ctx context.Context, st store.Store, ch store.Character, png bool) ([]byte, error) {
	c, avatar, err := characterCard(ctx, st, ch)
	if err != nil {
		return nil, err
	}
	if png {
		b, err := card.EncodePNG(c, avatar)
		if err != nil {
			return nil, fmt.Errorf("encode the card of %s as PNG: %w", ch.Name, err)
		}
		return b, nil
	}
	b, err := card.EncodeJSON(c)
	if err != nil {
		return nil, fmt.Errorf("encode the card of %s: %w", ch.Name, err)
	}
	return b, nil
}

package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/store"
)

type importLorebookInput struct {
	loreOwnerArgs
	Content any    `json:"content" jsonschema:"The lorebook file: a SillyTavern world-info JSON file or a character_book, as JSON (an object, or a string holding it) or as base64."`
	Name    string `json:"name,omitempty" jsonschema:"Name of the new book instead of the file's."`
}

// ImportedLorebook is what a lorebook import created.
type ImportedLorebook struct {
	Book    store.LoreBook `json:"book"`
	Entries int            `json:"entries" jsonschema:"How many entries were imported."`
}

func (s *Server) registerLorebookImport() {
	addTool(s, toolInfo{
		name: "import_lorebook",
		description: "Import a SillyTavern world-info file (or a character_book JSON) as a new lore book of a character, " +
			"of the world, or of a channel. The file is read and every entry checked first: a broken or hostile file is refused and nothing is stored.",
		rules: []schemaRule{oneOf("scope", []string{"character", "world", "channel"})},
	}, s.importLorebook)
}

func (s *Server) importLorebook(ctx context.Context, in importLorebookInput) (ImportedLorebook, error) {
	scope, owner, err := s.loreOwner(ctx, in.loreOwnerArgs)
	if err != nil {
		return ImportedLorebook{}, err
	}
	data, err := cardContent(in.Content)
	if err != nil {
		return ImportedLorebook{}, err
	}
	return ImportLorebookFile(ctx, s.store, data, scope, owner, in.Name)
}

// ImportLorebookFile creates a lore book of scope and owner (a character
// ID, a channel ID, or "" for the world) in st from a SillyTavern
// world-info file or a character_book, as the import_lorebook tool does
// (charsimctl lore import uses it too). Every entry is checked before
// anything is stored. name, when not empty, replaces the file's name. A
// refused file is an error naming the argument "content".
func ImportLorebookFile(ctx context.Context, st store.Store, data []byte, scope store.LoreScope, owner, name string) (ImportedLorebook, error) {
	cb, err := card.DecodeWorldInfo(data)
	if err != nil {
		return ImportedLorebook{}, badArgument("content", "%v", err)
	}
	book, entries := bookFromCard(cb)
	book.Scope, book.OwnerID = scope, owner
	if name := strings.TrimSpace(name); name != "" {
		book.Name = name
	}
	// Every entry is checked before anything is written.
	for i, e := range entries {
		le := e.Entry()
		if err := le.Validate(); err != nil {
			return ImportedLorebook{}, badArgument("content", "entries[%d]: %v", i, err)
		}
	}
	created, err := st.CreateLoreBook(ctx, book)
	if err != nil {
		return ImportedLorebook{}, fmt.Errorf("import lorebook: %w", err)
	}
	for i, e := range entries {
		e.BookID = created.ID
		if _, err := st.CreateLoreEntry(ctx, e); err != nil {
			// The store writes entries one at a time: take the half book away.
			cleanup := st.DeleteLoreBook(context.WithoutCancel(ctx), created.ID)
			var fe *store.FieldError
			if errors.As(err, &fe) {
				return ImportedLorebook{}, errors.Join(badArgument("content", "entries[%d]: %v", i, err), cleanup)
			}
			return ImportedLorebook{}, errors.Join(fmt.Errorf("import lorebook entry %d: %w", i, err), cleanup)
		}
	}
	return ImportedLorebook{Book: created, Entries: len(entries)}, nil
}

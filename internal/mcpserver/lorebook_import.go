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

type importedLorebook struct {
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

func (s *Server) importLorebook(ctx context.Context, in importLorebookInput) (importedLorebook, error) {
	scope, owner, err := s.loreOwner(ctx, in.loreOwnerArgs)
	if err != nil {
		return importedLorebook{}, err
	}
	data, err := cardContent(in.Content)
	if err != nil {
		return importedLorebook{}, err
	}
	cb, err := card.DecodeWorldInfo(data)
	if err != nil {
		return importedLorebook{}, badArgument("content", "%v", err)
	}
	book, entries := bookFromCard(cb)
	book.Scope, book.OwnerID = scope, owner
	if name := strings.TrimSpace(in.Name); name != "" {
		book.Name = name
	}
	// Every entry is checked before anything is written.
	for i, e := range entries {
		le := e.Entry()
		if err := le.Validate(); err != nil {
			return importedLorebook{}, badArgument("content", "entries[%d]: %v", i, err)
		}
	}
	created, err := s.store.CreateLoreBook(ctx, book)
	if err != nil {
		return importedLorebook{}, fmt.Errorf("import lorebook: %w", err)
	}
	for i, e := range entries {
		e.BookID = created.ID
		if _, err := s.store.CreateLoreEntry(ctx, e); err != nil {
			// The store writes entries one at a time: take the half book away.
			cleanup := s.store.DeleteLoreBook(context.WithoutCancel(ctx), created.ID)
			var fe *store.FieldError
			if errors.As(err, &fe) {
				return importedLorebook{}, errors.Join(badArgument("content", "entries[%d]: %v", i, err), cleanup)
			}
			return importedLorebook{}, errors.Join(fmt.Errorf("import lorebook entry %d: %w", i, err), cleanup)
		}
	}
	return importedLorebook{Book: created, Entries: len(entries)}, nil
}

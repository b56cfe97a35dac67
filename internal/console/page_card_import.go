package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// CardImporter creates a character from a character card file (JSON, PNG
// or CHARX, any version) and reports what it imported. It is the MCP
// server's import_character_card path (mcpserver.ImportCardFile), passed in
// because the server imports this package and not the other way round. A
// file it refuses is an error of type *CardRefused: nothing was stored.
type CardImporter func(ctx context.Context, data []byte) (ImportedCard, error)

// ImportedCard is what a card upload created.
type ImportedCard struct {
	CharacterID, Name string
	Greetings         int
	LoreEntries       int
}

// CardRefused is a card file refused for what it holds (too large, bad
// base64, not a card, a name that is taken): the user's problem to fix,
// shown to them, as opposed to a failing store.
type CardRefused struct{ Problem string }

func (e *CardRefused) Error() string { return e.Problem }

// cardImportData is the card import page: the refusal and the form again.
type cardImportData struct {
	File  string
	Error string
}

// cardImport creates a character from an uploaded card file and shows it.
// The CSRF check (access) has already parsed the multipart form, bounded
// by maxUploadBytes; the importer applies the card size limit
// (CARD_MAX_FILE_SIZE) and refuses a larger file with its message.
func (c *Console) cardImport(w http.ResponseWriter, r *http.Request) {
	if c.deps.ImportCard == nil {
		http.Error(w, "404 not found: card import is not available on this server", http.StatusNotFound)
		return
	}
	file, header, err := r.FormFile("card")
	if err != nil {
		c.renderCardImport(w, r, http.StatusBadRequest, cardImportData{Error: "card: choose a character card file (PNG, JSON or CHARX) to import"})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxUploadBytes))
	if err != nil {
		c.fail(w, r, fmt.Errorf("read the uploaded card: %w", err))
		return
	}
	imported, err := c.deps.ImportCard(r.Context(), data)
	var refused *CardRefused
	switch {
	case errors.As(err, &refused):
		c.renderCardImport(w, r, http.StatusUnprocessableEntity, cardImportData{File: header.Filename,
			Error: fmt.Sprintf("%s: %s; nothing was imported", header.Filename, refused.Problem)})
		return
	case err != nil:
		c.fail(w, r, fmt.Errorf("import card %s: %w", header.Filename, err))
		return
	}
	c.flash(r, fmt.Sprintf("Imported %s from %s: %s, %s.", imported.Name, header.Filename,
		countOf(imported.Greetings, "greeting", "greetings"), countOf(imported.LoreEntries, "lore entry", "lore entries")))
	c.redirect(w, r, c.base+"characters/"+imported.CharacterID)
}

func (c *Console) renderCardImport(w http.ResponseWriter, r *http.Request, status int, d cardImportData) {
	c.render(w, r, status, "card_import", "characters", "Import a character card", d)
}

// countOf is n with the singular or plural noun.
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

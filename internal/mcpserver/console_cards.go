package mcpserver

import (
	"context"

	"github.com/mojin/charsim/internal/console"
)

// consoleImportCard is the console's card upload: ImportCardFile on the
// server's store, with a refused file told apart from a failing store so
// that the console shows the one and logs the other.
func (s *Server) consoleImportCard(ctx context.Context, data []byte) (console.ImportedCard, error) {
	imported, err := ImportCardFileWithin(ctx, s.store, s.cardLimits, data, "")
	if _, problem, ok := ArgumentProblem(err); ok {
		return console.ImportedCard{}, &console.CardRefused{Problem: problem}
	}
	if err != nil {
		return console.ImportedCard{}, err
	}
	return console.ImportedCard{
		CharacterID: imported.Character.ID, Name: imported.Character.Name,
		Greetings: len(imported.Greetings), LoreEntries: imported.LoreEntries,
	}, nil
}

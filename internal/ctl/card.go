package ctl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/store"
)

// newCardCommand groups the character card commands: card import and card
// export, the charsimctl side of the import_character_card and
// export_character_card tools.
func newCardCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "card",
		Short: "Import characters from character cards (V1, V2, V3; JSON, PNG, CHARX) and export them as cards",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCardImportCommand(), newCardExportCommand())
	return cmd
}

// storeFlagUsage is the help of the --store flag of the card and lore commands.
const storeFlagUsage = "store to use: sqlite://PATH or postgres://… (default $DATABASE_URL, else SQLite in $CHARACTER_DATA_DIR)"

// openCardStore opens the store a card or lore command works on: the one
// given by --store, else the MCP server's. A SQLite file must exist
// already, so that a mistyped path is not a new empty store.
func openCardStore(ctx context.Context, rawURL string) (store.Store, error) {
	if rawURL == "" {
		rawURL = serverStoreURL()
	}
	if err := checkSourceStore("--store", rawURL); err != nil {
		return nil, err
	}
	return openStore(ctx, "--store", rawURL)
}

// findCharacter is the character whose ID or name ref is, as the MCP tools
// resolve their character argument.
func findCharacter(ctx context.Context, st store.Store, ref string) (store.Character, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.Character{}, errors.New("the character's ID or name is required")
	}
	c, err := store.CharacterByRef(ctx, st, ref)
	if errors.Is(err, store.ErrNotFound) {
		return store.Character{}, fmt.Errorf("no character has the ID or name %q", ref)
	}
	if err != nil {
		return store.Character{}, fmt.Errorf("look up character %q: %w", ref, err)
	}
	return c, nil
}

// importProblem rewords an error of the mcpserver import functions for the
// command line: the problem with the file, or with the --name flag.
func importProblem(err error) error {
	arg, problem, ok := mcpserver.ArgumentProblem(err)
	switch {
	case !ok:
		return err
	case arg == "name":
		return fmt.Errorf("--name: %s", problem)
	}
	return errors.New(problem)
}

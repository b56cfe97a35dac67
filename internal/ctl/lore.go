package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/store"
)

// newLoreCommand groups the lorebook commands: lore import, the charsimctl
// side of the import_lorebook tool.
func newLoreCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lore",
		Short: "Import lorebooks (SillyTavern world info) as lore books of a character, the world or a channel",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newLoreImportCommand())
	return cmd
}

// loreImportOptions are the flags of `charsimctl lore import`.
type loreImportOptions struct {
	store, file, name  string
	character, channel string
	world              bool
}

func newLoreImportCommand() *cobra.Command {
	var o loreImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE (--character CHARACTER | --world | --channel CHANNEL) [--name NAME] [--store URL]",
		Short: "Create a lore book from a SillyTavern world-info file",
		Long: `Create a lore book from a SillyTavern world-info JSON file (or a card's
character_book), with one of three scopes:

  --character CHARACTER  the character's own book (ID or name)
  --world                a book shared by every character
  --channel CHANNEL      the book of one channel (its ID)

The file is read and every entry checked first: a broken or hostile file is
refused with the problem, and nothing is stored.

The store defaults to the MCP server's: $DATABASE_URL, or else SQLite in
$CHARACTER_DATA_DIR.`,
		Example: `  charsimctl lore import northern-isles.json --world
  charsimctl lore import forge.json --character Brann --name "Forge lore"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return runLoreImport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", "", storeFlagUsage)
	f.StringVar(&o.character, "character", "", "import as the own book of this character (ID or name)")
	f.BoolVar(&o.world, "world", false, "import as a book shared by every character")
	f.StringVar(&o.channel, "channel", "", "import as the book of this channel (its ID)")
	f.StringVar(&o.name, "name", "", "name of the new book instead of the file's")
	return cmd
}

// scopeFlags checks that exactly one scope flag was given.
func (o loreImportOptions) scopeFlags() error {
	n := 0
	for _, given := range []bool{o.character != "", o.world, o.channel != ""} {
		if given {
			n++
		}
	}
	if n != 1 {
		return errors.New("give exactly one of --character CHARACTER, --world or --channel CHANNEL: the scope of the new book")
	}
	return nil
}

func runLoreImport(ctx context.Context, o loreImportOptions, stdout io.Writer) error {
	if err := o.scopeFlags(); err != nil {
		return err
	}
	st, err := openCardStore(ctx, o.store)
	if err != nil {
		return err
	}
	defer st.Close()

	scope, owner, whose := store.LoreScopeWorld, "", "the world"
	switch {
	case o.character != "":
		ch, err := findCharacter(ctx, st, o.character)
		if err != nil {
			return fmt.Errorf("--character: %w", err)
		}
		scope, owner, whose = store.LoreScopeCharacter, ch.ID, ch.Name
	case o.channel != "":
		scope, owner, whose = store.LoreScopeChannel, o.channel, "channel "+o.channel
	}
	data, err := readCardFile(o.file, card.DefaultMaxCardJSON)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	imported, err := mcpserver.ImportLorebookFile(ctx, st, data, scope, owner, o.name)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, importProblem(err))
	}
	fmt.Fprintf(stdout, "%s: imported the lore book %q (%s) of %s: %s\n",
		o.file, imported.Book.Name, imported.Book.ID, whose, plural(imported.Entries, "entry", "entries"))
	return nil
}

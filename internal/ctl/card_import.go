package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/store"
)

// cardImportOptions are the flags of `charsimctl card import`.
type cardImportOptions struct {
	store, name string
	files       []string
}

func newCardImportCommand() *cobra.Command {
	var o cardImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE... [--store URL] [--name NAME]",
		Short: "Create characters from character card files",
		Long: `Create one character from each card file: TavernAI / SillyTavern Character Card
V1, V2 or V3, as a JSON file, a PNG with the card in its chara or ccv3 text
chunk (ccv3 preferred), or a CHARX zip. The format is told by the content,
not by the name. Each character gets the card's persona, greetings and
lorebook (as its own lore book), and the original file is kept in the
store, so that card export gives everything back.

Each file is read and checked completely before anything is stored: a
broken or hostile file (over ` + fmt.Sprint(card.DefaultMaxFileSize>>20) + ` MiB or $CARD_MAX_FILE_SIZE, a huge chunk, a zip bomb, a path
outside the CHARX, bad base64, JSON that is not a card) is refused with the
problem, and nothing of it is stored. The other files are still imported;
the command fails when any file was refused.

The store defaults to the MCP server's: $DATABASE_URL, or else SQLite in
$CHARACTER_DATA_DIR.`,
		Example: `  charsimctl card import Aria.png Brann.json
  charsimctl card import Aria.charx --name "Aria of the North" --store sqlite:///data/charsim.db`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			return runCardImport(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", "", storeFlagUsage)
	f.StringVar(&o.name, "name", "", "name of the new character instead of the card's (one file only)")
	return cmd
}

func runCardImport(ctx context.Context, o cardImportOptions, stdout, stderr io.Writer) error {
	if o.name != "" && len(o.files) > 1 {
		return fmt.Errorf("--name: names one character, but %d files were given", len(o.files))
	}
	// The MCP server's limit, so that what charsimctl imports, the server would too.
	lim, err := card.LimitsFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	st, err := openCardStore(ctx, o.store)
	if err != nil {
		return err
	}
	defer st.Close()

	var failed []error
	for _, file := range o.files {
		imported, err := importCardFile(ctx, st, lim, file, o.name)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", file, err))
			continue
		}
		printImportedCard(stdout, file, imported)
		for _, w := range imported.Warnings {
			fmt.Fprintf(stderr, "%s: warning: %s\n", file, w)
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(o.files) == 1:
		return failed[0]
	}
	lines := make([]string, len(failed))
	for i, err := range failed {
		lines[i] = "  " + err.Error()
	}
	return fmt.Errorf("%d of %d card files not imported:\n%s", len(failed), len(o.files), strings.Join(lines, "\n"))
}

// importCardFile reads one card file, refusing it unread when it is over
// the size limit, and imports it.
func importCardFile(ctx context.Context, st store.Store, lim card.Limits, file, name string) (mcpserver.ImportedCard, error) {
	data, err := readCardFile(file, lim.MaxFileSize)
	if err != nil {
		return mcpserver.ImportedCard{}, err
	}
	imported, err := mcpserver.ImportCardFileWithin(ctx, st, lim, data, name)
	if err != nil {
		return mcpserver.ImportedCard{}, importProblem(err)
	}
	return imported, nil
}

// readCardFile reads at most limit+1 bytes of file: one byte more than
// allowed is enough for the decoder to refuse it as too large, without
// reading a huge file into memory.
func readCardFile(file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory, not a card file")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return data, nil
}

// printImportedCard prints one line about what a file became, and its greetings.
func printImportedCard(w io.Writer, file string, c mcpserver.ImportedCard) {
	lore := "no lore book"
	if c.LoreBookID != "" {
		lore = fmt.Sprintf("%s in its lore book %s", plural(c.LoreEntries, "lore entry", "lore entries"), c.LoreBookID)
	}
	fmt.Fprintf(w, "%s: imported %s (%s) from a %s %s card: %s, %s\n",
		file, c.Character.Name, c.Character.ID, c.SpecVersion, strings.ToUpper(c.Format),
		plural(len(c.Greetings), "greeting", "greetings"), lore)
}

// plural is n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/mcpserver"
)

// cardExportOptions are the flags of `charsimctl card export`.
type cardExportOptions struct {
	store, character, output string
}

func newCardExportCommand() *cobra.Command {
	var o cardExportOptions
	cmd := &cobra.Command{
		Use:   "export CHARACTER -o FILE [--store URL]",
		Short: "Write a character as a character card (V3 JSON, or PNG)",
		Long: `Write the character with this ID or name as a Character Card V3, with its lore
book as the card's character_book. A character imported from a card comes
back with everything the card had, extensions and unknown fields included,
with the character's current fields laid over it.

The format follows the name of the output file: .json writes the V3 JSON,
.png a PNG of the character's avatar (or a generated placeholder) carrying
the card in both its ccv3 (V3) and chara (V2) text chunks, which every
frontend reads. -o - writes the JSON to standard output.

The store defaults to the MCP server's: $DATABASE_URL, or else SQLite in
$CHARACTER_DATA_DIR.`,
		Example: `  charsimctl card export Aria -o Aria.png
  charsimctl card export 0193a2b4-… -o - | jq .data.name`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.character = args[0]
			return runCardExport(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", "", storeFlagUsage)
	f.StringVarP(&o.output, "output", "o", "", "card file to write: NAME.json, NAME.png, or - for JSON on standard output")
	return cmd
}

// cardOutputIsPNG tells the format from the output file's name.
func cardOutputIsPNG(output string) (bool, error) {
	if output == "" {
		return false, errors.New("-o/--output: required: the card file to write (.json or .png), or - for standard output")
	}
	if output == "-" {
		return false, nil
	}
	switch ext := strings.ToLower(filepath.Ext(output)); ext {
	case ".json":
		return false, nil
	case ".png":
		return true, nil
	default:
		return false, fmt.Errorf("-o/--output: %s: the name must end in .json (V3 JSON) or .png (PNG card), got %q", output, ext)
	}
}

func runCardExport(ctx context.Context, o cardExportOptions, stdout, stderr io.Writer) error {
	png, err := cardOutputIsPNG(o.output)
	if err != nil {
		return err
	}
	st, err := openCardStore(ctx, o.store)
	if err != nil {
		return err
	}
	defer st.Close()
	ch, err := findCharacter(ctx, st, o.character)
	if err != nil {
		return err
	}
	b, err := mcpserver.ExportCardFile(ctx, st, ch, png)
	if err != nil {
		return fmt.Errorf("export %s: %w", ch.Name, err)
	}
	if _, err := writeArchive(o.output, stdout, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}); err != nil {
		return fmt.Errorf("export %s: %w", ch.Name, err)
	}
	if o.output != "-" {
		format := "V3 JSON"
		if png {
			format = "PNG"
		}
		fmt.Fprintf(stdout, "exported %s (%s) as a %s card to %s (%s)\n", ch.Name, ch.ID, format, o.output, byteSize(int64(len(b))))
	}
	return nil
}

// Package ctl is charsimctl, the administration command of charsim: moving a
// host-only SQLite install into PostgreSQL (migrate), rebuilding the vector
// memory after a change of embedder (reindex), writing a store into a
// portable archive and loading one into any store (export, import),
// triggering backups, and importing and exporting character cards and
// lorebooks (card, lore).
//
// Each subcommand lives in its own file and is registered in subcommands;
// Run is the whole program, so tests drive it in-process.
package ctl

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/version"
)

// subcommands builds every subcommand; add new ones here.
var subcommands = []func() *cobra.Command{
	newMigrateCommand,
	newReindexCommand,
	newExportCommand,
	newImportCommand,
	newBackupCommand,
	newCardCommand,
	newLoreCommand,
}

// Run runs charsimctl with args (without the program name), writing results
// to stdout and progress and help to stderr.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:     "charsimctl",
		Short:   "Administer charsim: migrate stores, reindex vector memory, export and import archives, run backups, import and export character cards and lorebooks",
		Version: version.Version,
		// main prints the error once; usage is only shown on request, so a
		// failure deep in a migration does not end in a screen of flags.
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetVersionTemplate("charsimctl {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())
	})
	for _, sub := range subcommands {
		root.AddCommand(sub())
	}
	return root
}

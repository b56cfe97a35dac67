package ctl

import (
	"github.com/spf13/cobra"
)

func newBackupCommand() *cobra.Command {
	var k kubeOptions
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Create, list, describe and delete SimulationBackups (VolumeSnapshot backups of a simulation)",
		Long: `A SimulationBackup snapshots every managed store volume of a CharacterSimulation
(PostgreSQL, Qdrant, Redis) with CSI VolumeSnapshots. The operator takes the
snapshots, waits until they are ready to use (or the deadline passes), and prunes
old backups by the simulation's spec.backup.retention.keepLast.

The CronJob the operator creates for spec.backup.schedule runs
"charsimctl backup create --wait"; the same command works by hand.

Restore a backup into a new simulation with spec.restore.backupName.`,
		Args: cobra.NoArgs,
	}
	k.bind(cmd.PersistentFlags())
	cmd.AddCommand(
		newBackupCreateCommand(&k),
		newBackupListCommand(&k),
		newBackupDescribeCommand(&k),
		newBackupDeleteCommand(&k),
	)
	return cmd
}

package ctl

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
)

func newBackupDescribeCommand(k *kubeOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "describe NAME",
		Short:   "Show a backup: its phase, reason and each store's snapshot",
		Example: "  charsimctl backup describe tavern-x7k2p",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, namespace, err := k.connect()
			if err != nil {
				return err
			}
			b := &v1alpha1.SimulationBackup{}
			if err := getBackup(cmd.Context(), c, namespace, args[0], b); err != nil {
				return err
			}
			printBackup(cmd.OutOrStdout(), b)
			return nil
		},
	}
}

func getBackup(ctx context.Context, c client.Client, namespace, name string, b *v1alpha1.SimulationBackup) error {
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, b)
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("SimulationBackup %s not found in namespace %s", name, namespace)
	}
	if err != nil {
		return fmt.Errorf("get SimulationBackup %s: %w", name, err)
	}
	return nil
}

// printBackup writes a backup's details.
func printBackup(out io.Writer, b *v1alpha1.SimulationBackup) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	method := string(b.Status.Method)
	if method == "" {
		method = "-"
	}
	for _, line := range [][2]string{
		{"Name", b.Name},
		{"Namespace", b.Namespace},
		{"Simulation", b.Spec.SimulationName},
		{"Phase", string(phaseOf(b))},
		{"Reason", outcome(b)},
		{"Method", method},
		{"Started", timestamp(b.Status.StartTime)},
		{"Deadline", timestamp(b.Status.Deadline)},
		{"Completed", timestamp(b.Status.CompletionTime)},
	} {
		fmt.Fprintf(w, "%s:\t%s\n", line[0], line[1])
	}
	if b.Status.VolumeGroupSnapshotName != "" {
		fmt.Fprintf(w, "Group snapshot:\t%s\n", b.Status.VolumeGroupSnapshotName)
	}
	_ = w.Flush()
	if len(b.Status.Snapshots) > 0 {
		fmt.Fprintln(out, "Snapshots:")
		w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "  COMPONENT\tVOLUME CLAIM\tVOLUME SNAPSHOT\tREADY\tSIZE")
		for _, s := range b.Status.Snapshots {
			size := "-"
			if s.Size != nil {
				size = s.Size.String()
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\t%t\t%s\n", s.Component, s.PersistentVolumeClaimName, cmp.Or(s.VolumeSnapshotName, "-"), s.ReadyToUse, size)
		}
		_ = w.Flush()
	}
	if b.Status.Phase == v1alpha1.BackupCompleted {
		fmt.Fprintf(out, "Restore into a new simulation with:\n  spec:\n    restore: {backupName: %s}\n", b.Name)
	}
}

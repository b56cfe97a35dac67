package ctl

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
)

func newBackupDeleteCommand(k *kubeOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME...",
		Short:   "Delete backups and their snapshots",
		Example: "  charsimctl backup delete tavern-x7k2p",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, namespace, err := k.connect()
			if err != nil {
				return err
			}
			var errs []error
			for _, name := range args {
				b := &v1alpha1.SimulationBackup{}
				if err := getBackup(cmd.Context(), c, namespace, name, b); err != nil {
					errs = append(errs, err)
					continue
				}
				if err := c.Delete(cmd.Context(), b, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
					errs = append(errs, fmt.Errorf("delete SimulationBackup %s: %w", name, err))
					continue
				}
				var snapshots []string
				for _, s := range b.Status.Snapshots {
					if s.VolumeSnapshotName != "" {
						snapshots = append(snapshots, s.VolumeSnapshotName)
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "simulationbackup/%s deleted; its snapshots go with it: %s\n", name, cmp.Or(strings.Join(snapshots, ", "), "none"))
			}
			return errors.Join(errs...)
		},
	}
}

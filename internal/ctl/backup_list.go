package ctl

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
)

func newBackupListCommand(k *kubeOptions) *cobra.Command {
	var simulation string
	var allNamespaces bool
	cmd := &cobra.Command{
		Use:     "list [--simulation NAME]",
		Short:   "List backups, newest first",
		Example: "  charsimctl backup list --simulation tavern\n  charsimctl backup list -A",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, namespace, err := k.connect()
			if err != nil {
				return err
			}
			opts := []client.ListOption{client.InNamespace(namespace)}
			if allNamespaces {
				opts = nil
			}
			list := &v1alpha1.SimulationBackupList{}
			if err := c.List(cmd.Context(), list, opts...); err != nil {
				return fmt.Errorf("list SimulationBackups: %w", err)
			}
			printBackupList(cmd.OutOrStdout(), list.Items, simulation, allNamespaces)
			return nil
		},
	}
	cmd.Flags().StringVar(&simulation, "simulation", "", "only the backups of this simulation")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "list the backups of every namespace")
	return cmd
}

func printBackupList(out io.Writer, backups []v1alpha1.SimulationBackup, simulation string, withNamespace bool) {
	slices.SortFunc(backups, func(a, b v1alpha1.SimulationBackup) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	header := "NAME\tSIMULATION\tPHASE\tREASON\tSNAPSHOTS\tSTARTED\tCOMPLETED"
	if withNamespace {
		header = "NAMESPACE\t" + header
	}
	fmt.Fprintln(w, header)
	for _, b := range backups {
		if simulation != "" && b.Spec.SimulationName != simulation {
			continue
		}
		ready := 0
		for _, s := range b.Status.Snapshots {
			if s.ReadyToUse {
				ready++
			}
		}
		reason := "-"
		if c := meta.FindStatusCondition(b.Status.Conditions, v1alpha1.ConditionSucceeded); c != nil {
			reason = c.Reason
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%d/%d\t%s\t%s", b.Name, b.Spec.SimulationName, phaseOf(&b), reason,
			ready, len(b.Status.Snapshots), timestamp(b.Status.StartTime), timestamp(b.Status.CompletionTime))
		if withNamespace {
			row = b.Namespace + "\t" + row
		}
		fmt.Fprintln(w, row)
	}
	_ = w.Flush()
}

func timestamp(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// backupPollInterval is how often --wait looks at the backup.
const backupPollInterval = time.Second

// backupCreateOptions are the flags of `charsimctl backup create`.
type backupCreateOptions struct {
	simulation, name string
	wait             bool
	timeout          time.Duration
}

func newBackupCreateCommand(k *kubeOptions) *cobra.Command {
	var o backupCreateOptions
	cmd := &cobra.Command{
		Use:   "create --simulation NAME [--wait]",
		Short: "Back up a simulation now",
		Long: `Create a SimulationBackup of the simulation. With --wait, wait until the backup
is Completed (exit 0) or Failed (exit 1, with the reason), printing its progress.`,
		Example: `  charsimctl backup create --simulation tavern --wait
  charsimctl backup create --simulation tavern --name tavern-before-upgrade -n stories`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			c, namespace, err := k.connect()
			if err != nil {
				return err
			}
			return runBackupCreate(cmd.Context(), c, namespace, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.simulation, "simulation", "", "CharacterSimulation to back up (required)")
	f.StringVar(&o.name, "name", "", "name of the SimulationBackup (default: the simulation's name and a random suffix)")
	f.BoolVar(&o.wait, "wait", false, "wait until the backup is Completed or Failed; exit non-zero when it fails")
	f.DurationVar(&o.timeout, "timeout", 15*time.Minute, "with --wait, give up after this long")
	return cmd
}

func (o backupCreateOptions) validate() error {
	var errs []error
	if o.simulation == "" {
		errs = append(errs, errors.New("--simulation: required"))
	}
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout: must be positive, got %s", o.timeout))
	}
	return errors.Join(errs...)
}

func runBackupCreate(ctx context.Context, c client.Client, namespace string, o backupCreateOptions, stdout, stderr io.Writer) error {
	sim := &v1alpha1.CharacterSimulation{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: o.simulation}, sim); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("--simulation: CharacterSimulation %s not found in namespace %s", o.simulation, namespace)
		}
		return fmt.Errorf("get CharacterSimulation %s: %w", o.simulation, err)
	}
	b := &v1alpha1.SimulationBackup{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace,
			Labels:    map[string]string{resources.LabelSimulation: sim.Name},
		},
		Spec: v1alpha1.SimulationBackupSpec{SimulationName: sim.Name},
	}
	if o.name != "" {
		b.Name = o.name
	} else {
		b.GenerateName = sim.Name + "-"
	}
	if err := c.Create(ctx, b); err != nil {
		return fmt.Errorf("create SimulationBackup of %s: %w", sim.Name, err)
	}
	fmt.Fprintf(stdout, "simulationbackup/%s created\n", b.Name)
	if !o.wait {
		return nil
	}
	return waitForBackup(ctx, c, b, o.timeout, stdout, stderr)
}

// waitForBackup polls the backup until it finishes, printing each change of
// its progress to stderr.
func waitForBackup(ctx context.Context, c client.Client, b *v1alpha1.SimulationBackup, timeout time.Duration, stdout, stderr io.Writer) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, backupPollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return false, fmt.Errorf("get SimulationBackup %s: %w", b.Name, err)
		}
		if progress := backupProgress(b); progress != last {
			fmt.Fprintf(stderr, "%s: %s\n", b.Name, progress)
			last = progress
		}
		return b.Status.Phase.Finished(), nil
	})
	if wait.Interrupted(err) {
		return fmt.Errorf("backup %s still %s after --timeout %s: %s", b.Name, phaseOf(b), timeout, backupProgress(b))
	}
	if err != nil {
		return err
	}
	if b.Status.Phase == v1alpha1.BackupFailed {
		return fmt.Errorf("backup %s failed: %s", b.Name, outcome(b))
	}
	printBackup(stdout, b)
	return nil
}

// phaseOf is the backup's phase, Pending before the controller saw it.
func phaseOf(b *v1alpha1.SimulationBackup) v1alpha1.BackupPhase {
	if b.Status.Phase == "" {
		return v1alpha1.BackupPending
	}
	return b.Status.Phase
}

// outcome is the reason and message of the backup's Succeeded condition.
func outcome(b *v1alpha1.SimulationBackup) string {
	c := meta.FindStatusCondition(b.Status.Conditions, v1alpha1.ConditionSucceeded)
	if c == nil {
		return "waiting for the operator"
	}
	return c.Reason + ": " + c.Message
}

func backupProgress(b *v1alpha1.SimulationBackup) string {
	return string(phaseOf(b)) + " (" + outcome(b) + ")"
}

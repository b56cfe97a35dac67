//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/backup"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

func init() {
	utilruntime.Must(snapshotv1.AddToScheme(scheme))
}

// backupTimeout bounds a backup: on the local cluster a kwok Stage makes
// snapshots ready at once; csi-hostpath on kind takes seconds.
const backupTimeout = 3 * time.Minute

// withBackup gives the sample a nightly backup keeping the last 2.
func withBackup(sim *v1alpha1.CharacterSimulation) {
	sim.Spec.Backup = &v1alpha1.BackupSpec{
		Schedule:                "0 3 * * *",
		VolumeSnapshotClassName: ptr.To("csi-hostpath-snapclass"),
		Retention:               v1alpha1.RetentionSpec{KeepLast: ptr.To[int32](2)},
	}
}

// TestBackupAndRestore schedules backups of the sample, runs the backup Job's
// command (charsimctl, as a local process, with the Job's ServiceAccount:
// pods are simulated on the local cluster), prunes by retention, restores
// into a new simulation, and deletes the original keeping its snapshots.
func TestBackupAndRestore(t *testing.T) {
	namespace := newNamespace(t, "backup")
	b := &backupRun{key: client.ObjectKey{Namespace: namespace, Name: "tavern"}, dir: t.TempDir()}
	createSample(t, namespace, b.key.Name, withBackup)

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"schedules a CronJob that runs charsimctl under a narrow Role", b.schedulesCronJob},
		{"charsimctl backup create --wait completes a backup", b.backsUp},
		{"retention prunes the oldest backup and its snapshots", b.prunes},
		{"a new simulation restores from the backup and becomes Ready", b.restores},
		{"deleting the simulation keeps its backups and snapshots", b.deletionKeepsSnapshots},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return // the later steps build on this one
		}
	}
}

// backupRun is the state the steps of TestBackupAndRestore share.
type backupRun struct {
	key        client.ObjectKey
	dir        string // outlives the steps
	sim        *v1alpha1.CharacterSimulation
	charsimctl string
	kubeconfig string // the backup ServiceAccount's
	backups    []string
}

func (b *backupRun) schedulesCronJob(t *testing.T) {
	b.sim = waitReady(t, b.key)
	sim := b.sim
	ready := apimeta.FindStatusCondition(sim.Status.Conditions, v1alpha1.ConditionBackupScheduled)
	if ready == nil || ready.Status != metav1.ConditionTrue {
		t.Errorf("BackupScheduled = %+v, want True", ready)
	}
	name := resources.BackupName(sim.Name)
	cj := &batchv1.CronJob{}
	if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: sim.Namespace, Name: name}, cj); err != nil {
		t.Fatalf("get the backup CronJob: %v", err)
	}
	s := cj.Spec
	if s.Schedule != "0 3 * * *" || s.ConcurrencyPolicy != batchv1.ForbidConcurrent || ptr.Deref(s.Suspend, true) ||
		ptr.Deref(s.SuccessfulJobsHistoryLimit, 0) != 3 || ptr.Deref(s.FailedJobsHistoryLimit, 0) != 3 ||
		ptr.Deref(s.JobTemplate.Spec.BackoffLimit, -1) != 0 {
		t.Errorf("CronJob spec %+v", s)
	}
	pod := s.JobTemplate.Spec.Template.Spec
	c := pod.Containers[0]
	wantArgs := resources.BackupCommandArgs(sim, resources.BackupDeadline(sim)+2*time.Minute)
	if pod.ServiceAccountName != name || !ptr.Deref(pod.AutomountServiceAccountToken, false) || pod.RestartPolicy != corev1.RestartPolicyNever ||
		!slices.Equal(c.Command, []string{"/charsimctl"}) || !slices.Equal(c.Args, wantArgs) || !strings.Contains(c.Image, "charsim-operator") {
		t.Errorf("backup pod: %s runs %s %v %v as %q", c.Image, pod.RestartPolicy, c.Command, c.Args, pod.ServiceAccountName)
	}
	role := &rbacv1.Role{}
	if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: sim.Namespace, Name: name}, role); err != nil {
		t.Fatalf("get the backup Role: %v", err)
	}
	if len(role.Rules) != 2 || !slices.Equal(role.Rules[0].Resources, []string{"simulationbackups"}) ||
		!slices.Equal(role.Rules[1].ResourceNames, []string{sim.Name}) || !slices.Equal(role.Rules[1].Verbs, []string{"get"}) {
		t.Errorf("backup Role rules %+v", role.Rules)
	}
	assertExactlyExpectedChildren(t, sim)

	b.charsimctl = filepath.Join(b.dir, "charsimctl")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", b.charsimctl, "./cmd/charsimctl")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build charsimctl: %v\n%s", err, out)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: sim.Namespace, Name: name}}
	token := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	if err := suite.client.SubResource("token").Create(t.Context(), sa, token); err != nil {
		t.Fatalf("request a token of the backup ServiceAccount: %v", err)
	}
	b.kubeconfig = filepath.Join(b.dir, "kubeconfig")
	if err := clientcmd.WriteToFile(tokenKubeconfig(suite.cfg, name, token.Status.Token), b.kubeconfig); err != nil {
		t.Fatal(err)
	}
}

// createdBackup finds the backup name in charsimctl's output.
var createdBackup = regexp.MustCompile(`simulationbackup/(\S+) created`)

// runBackupJob runs what the backup Job's pod runs.
func (b *backupRun) runBackupJob(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), backupTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.charsimctl, resources.BackupCommandArgs(b.sim, backupTimeout)...)
	cmd.Env = append(withoutVar(os.Environ(), "KUBECONFIG"), "KUBECONFIG="+b.kubeconfig)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("charsimctl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(cmd.Args[1:], " "), err, stdout.String(), stderr.String())
	}
	m := createdBackup.FindStringSubmatch(stdout.String())
	if m == nil || !strings.Contains(stdout.String(), "Completed") {
		t.Fatalf("charsimctl succeeded without naming a Completed backup:\n%s", stdout.String())
	}
	t.Logf("backup %s Completed in %s", m[1], time.Since(start).Round(time.Millisecond))
	b.backups = append(b.backups, m[1])
	return m[1]
}

func (b *backupRun) getBackup(t *testing.T, name string) *v1alpha1.SimulationBackup {
	t.Helper()
	sb := &v1alpha1.SimulationBackup{}
	if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: b.key.Namespace, Name: name}, sb); err != nil {
		t.Fatalf("get backup %s: %v", name, err)
	}
	return sb
}

func (b *backupRun) backsUp(t *testing.T) {
	name := b.runBackupJob(t)
	assertBackupCompleted(t, b.getBackup(t, name), 3)
	eventually(t, time.Minute, "the simulation to report the backup", func(ctx context.Context) (string, bool, error) {
		sim := &v1alpha1.CharacterSimulation{}
		if err := suite.client.Get(ctx, b.key, sim); err != nil {
			return err.Error(), false, nil
		}
		c := apimeta.FindStatusCondition(sim.Status.Conditions, v1alpha1.ConditionLastBackupSucceeded)
		state := fmt.Sprintf("lastBackup %+v, LastBackupSucceeded %+v", sim.Status.LastBackup, c)
		return state, sim.Status.LastBackup != nil && sim.Status.LastBackup.Name == name && sim.Status.LastBackup.Phase == "Completed" &&
			c != nil && c.Status == metav1.ConditionTrue, nil
	})
}

// assertBackupCompleted checks the backup is Completed with a ready
// snapshot of each of the stores' volumes, labelled with the backup and
// taken of the claim the backup names.
func assertBackupCompleted(t *testing.T, sb *v1alpha1.SimulationBackup, stores int) {
	t.Helper()
	if sb.Status.Phase != v1alpha1.BackupCompleted || len(sb.Status.Snapshots) != stores {
		t.Fatalf("backup %s: phase %s, %d snapshots, want Completed with %d", sb.Name, sb.Status.Phase, len(sb.Status.Snapshots), stores)
	}
	for _, rec := range sb.Status.Snapshots {
		snap := &snapshotv1.VolumeSnapshot{}
		if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: sb.Namespace, Name: rec.VolumeSnapshotName}, snap); err != nil {
			t.Fatalf("get snapshot %s: %v", rec.VolumeSnapshotName, err)
		}
		if !ptr.Deref(snap.Status.ReadyToUse, false) || snap.Labels[backup.LabelBackup] != sb.Name ||
			ptr.Deref(snap.Spec.Source.PersistentVolumeClaimName, "") != rec.PersistentVolumeClaimName {
			t.Errorf("snapshot %s: ready %v labels %v source %v", snap.Name, snap.Status.ReadyToUse, snap.Labels, snap.Spec.Source.PersistentVolumeClaimName)
		}
	}
}

func (b *backupRun) prunes(t *testing.T) {
	oldest := b.getBackup(t, b.backups[0])
	for range 2 {
		// Backups of the same second are told apart by name only.
		time.Sleep(time.Second)
		b.runBackupJob(t)
	}
	eventually(t, time.Minute, "the oldest backup and its snapshots to be pruned", func(ctx context.Context) (string, bool, error) {
		err := suite.client.Get(ctx, client.ObjectKeyFromObject(oldest), &v1alpha1.SimulationBackup{})
		if err == nil {
			return "backup " + oldest.Name + " still exists", false, nil
		}
		if !apierrors.IsNotFound(err) {
			return err.Error(), false, nil
		}
		var snaps snapshotv1.VolumeSnapshotList
		if err := suite.client.List(ctx, &snaps, client.InNamespace(b.key.Namespace), client.MatchingLabels{backup.LabelBackup: oldest.Name}); err != nil {
			return err.Error(), false, nil
		}
		return fmt.Sprintf("%d snapshots left", len(snaps.Items)), len(snaps.Items) == 0, nil
	})
	var list v1alpha1.SimulationBackupList
	if err := suite.client.List(t.Context(), &list, client.InNamespace(b.key.Namespace)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sb := range list.Items {
		names = append(names, sb.Name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(b.backups[1:]))
	if !slices.Equal(names, want) {
		t.Errorf("backups left %v, want the 2 newest %v", names, want)
	}
}

func (b *backupRun) restores(t *testing.T) {
	source := b.getBackup(t, b.backups[len(b.backups)-1])
	key := client.ObjectKey{Namespace: b.key.Namespace, Name: "tavern-restored"}
	createSample(t, key.Namespace, key.Name, func(sim *v1alpha1.CharacterSimulation) {
		sim.Spec.Restore = &v1alpha1.RestoreSpec{BackupName: source.Name}
	})
	sim := waitReady(t, key)
	eventually(t, readyTimeout, "the workloads of the restored simulation to settle", workloadsSettled(sim))
	if c := apimeta.FindStatusCondition(sim.Status.Conditions, v1alpha1.ConditionRestored); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Restored = %+v, want True", c)
	}
	for _, rec := range source.Status.Snapshots {
		name := "data-" + key.Name + "-" + rec.Component + "-0"
		claim := &corev1.PersistentVolumeClaim{}
		if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: key.Namespace, Name: name}, claim); err != nil {
			t.Fatalf("get restored claim %s: %v", name, err)
		}
		ds := claim.Spec.DataSource
		if ds == nil || ds.Kind != "VolumeSnapshot" || ds.Name != rec.VolumeSnapshotName || claim.Status.Phase != corev1.ClaimBound {
			t.Errorf("claim %s: dataSource %+v, %s; want Bound from VolumeSnapshot %s", name, ds, claim.Status.Phase, rec.VolumeSnapshotName)
		}
	}
	// The restored database accepts only its old password.
	passwords := map[string]string{}
	for _, name := range []string{b.key.Name, key.Name} {
		secret := &corev1.Secret{}
		if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: key.Namespace, Name: resources.PostgresCredentialsName(name)}, secret); err != nil {
			t.Fatalf("get the PostgreSQL credentials of %s: %v", name, err)
		}
		passwords[name] = string(secret.Data[resources.KeyPassword])
	}
	if passwords[key.Name] == "" || passwords[key.Name] != passwords[b.key.Name] {
		t.Error("the restored simulation's PostgreSQL password is not the original's")
	}
	assertExactlyExpectedChildren(t, sim)
}

func (b *backupRun) deletionKeepsSnapshots(t *testing.T) {
	if err := suite.client.Delete(t.Context(), b.sim); err != nil {
		t.Fatalf("delete %s: %v", b.key.Name, err)
	}
	eventually(t, 2*time.Minute, "the simulation and its CronJob to be gone", func(ctx context.Context) (string, bool, error) {
		if err := suite.client.Get(ctx, b.key, &v1alpha1.CharacterSimulation{}); !apierrors.IsNotFound(err) {
			return fmt.Sprintf("simulation: %v", err), false, nil
		}
		err := suite.client.Get(ctx, client.ObjectKey{Namespace: b.key.Namespace, Name: resources.BackupName(b.key.Name)}, &batchv1.CronJob{})
		return fmt.Sprintf("CronJob: %v", err), apierrors.IsNotFound(err), nil
	})
	// The garbage collector has removed the CronJob the simulation owned;
	// the backups and snapshots it does not own must still be there.
	for _, name := range b.backups[1:] {
		sb := b.getBackup(t, name)
		for _, rec := range sb.Status.Snapshots {
			snap := &snapshotv1.VolumeSnapshot{}
			if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: b.key.Namespace, Name: rec.VolumeSnapshotName}, snap); err != nil {
				t.Errorf("snapshot %s of backup %s after the simulation was deleted: %v", rec.VolumeSnapshotName, name, err)
			} else if snap.DeletionTimestamp != nil {
				t.Errorf("snapshot %s of backup %s is being deleted", rec.VolumeSnapshotName, name)
			}
		}
	}
}

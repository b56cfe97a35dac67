package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/backup"
	"github.com/mojin/charsim/internal/resources"
)

// The backup tests play the CSI snapshotter, which envtest does not run: they
// set the VolumeSnapshots' status as the snapshot controller would. There is
// no StatefulSet controller either, so they create the stores' volume claims
// as it would.

// newBackedUpSimulation is the sample simulation with spec.backup.
func newBackedUpSimulation(ns, name string, deadline time.Duration) *v1alpha1.CharacterSimulation {
	sim := newSimulation(ns, name)
	sim.Spec.Backup = &v1alpha1.BackupSpec{
		Schedule:                "0 3 * * *",
		VolumeSnapshotClassName: ptr.To("csi-hostpath-snapclass"),
		Deadline:                &metav1.Duration{Duration: deadline},
	}
	return sim
}

// createDataClaims creates the stores' volume claims, as the StatefulSet
// controller would from the claim templates, once the reconciler has made
// the stores' credentials (as it does before any StatefulSet).
func createDataClaims(t *testing.T, sim *v1alpha1.CharacterSimulation) {
	t.Helper()
	if sim.Spec.Postgres.External == nil {
		eventually(t, "the PostgreSQL credentials of "+sim.Name, func() error {
			return k8s.Get(context.Background(), client.ObjectKey{Namespace: sim.Namespace, Name: resources.PostgresCredentialsName(sim.Name)}, &corev1.Secret{})
		})
	}
	for _, v := range resources.DataVolumes(sim) {
		create(t, &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{
				Name: resources.DataClaimName(v.StatefulSet), Namespace: sim.Namespace,
				Labels: resources.Labels(sim, v.Component),
			},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: v.Size}},
			},
		})
	}
}

// createBackup creates a SimulationBackup of the simulation, named name.
func createBackup(t *testing.T, sim *v1alpha1.CharacterSimulation, name string) *v1alpha1.SimulationBackup {
	t.Helper()
	b := &v1alpha1.SimulationBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: sim.Namespace, Name: name},
		Spec:       v1alpha1.SimulationBackupSpec{SimulationName: sim.Name},
	}
	create(t, b)
	return b
}

// waitForBackup waits until check accepts the stored backup.
func waitForBackup(t *testing.T, b *v1alpha1.SimulationBackup, what string, check func(*v1alpha1.SimulationBackup) error) {
	t.Helper()
	eventually(t, what, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(b), b); err != nil {
			return err
		}
		return check(b)
	})
}

func backupPhaseIs(phase v1alpha1.BackupPhase) func(*v1alpha1.SimulationBackup) error {
	return func(b *v1alpha1.SimulationBackup) error {
		if b.Status.Phase != phase {
			return fmt.Errorf("backup %s phase %q (%s), want %q", b.Name, b.Status.Phase, succeeded(b), phase)
		}
		return nil
	}
}

// succeeded is the backup's Succeeded condition as reason: message.
func succeeded(b *v1alpha1.SimulationBackup) string {
	c := meta.FindStatusCondition(b.Status.Conditions, v1alpha1.ConditionSucceeded)
	if c == nil {
		return "no Succeeded condition"
	}
	return c.Reason + ": " + c.Message
}

// backupSnapshots lists the VolumeSnapshots labelled with the backup.
func backupSnapshots(t *testing.T, b *v1alpha1.SimulationBackup) []snapshotv1.VolumeSnapshot {
	t.Helper()
	list := &snapshotv1.VolumeSnapshotList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(b.Namespace), client.MatchingLabels{backup.LabelBackup: b.Name}); err != nil {
		t.Fatalf("list snapshots of %s: %v", b.Name, err)
	}
	return list.Items
}

// setSnapshotStatus plays the CSI snapshotter for one snapshot.
func setSnapshotStatus(t *testing.T, ns, name string, status snapshotv1.VolumeSnapshotStatus) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s := get(t, ns, name, &snapshotv1.VolumeSnapshot{})
		s.Status = status.DeepCopy()
		return k8s.Status().Update(context.Background(), s)
	})
	if err != nil {
		t.Fatalf("set status of VolumeSnapshot %s: %v", name, err)
	}
}

// readySnapshot is the status of a snapshot ready to restore into size.
func readySnapshot(size string) snapshotv1.VolumeSnapshotStatus {
	return snapshotv1.VolumeSnapshotStatus{
		ReadyToUse:                     ptr.To(true),
		RestoreSize:                    ptr.To(resource.MustParse(size)),
		CreationTime:                   ptr.To(metav1.Now()),
		BoundVolumeSnapshotContentName: ptr.To("snapcontent-test"),
	}
}

// failingSnapshot is the status of a snapshot whose creation keeps failing.
func failingSnapshot(message string) snapshotv1.VolumeSnapshotStatus {
	return snapshotv1.VolumeSnapshotStatus{
		ReadyToUse: ptr.To(false),
		Error:      &snapshotv1.VolumeSnapshotError{Message: ptr.To(message), Time: ptr.To(metav1.Now())},
	}
}

// completeBackup waits for the backup's snapshots and makes them all ready,
// then waits for the backup to be Completed.
func completeBackup(t *testing.T, sim *v1alpha1.CharacterSimulation, b *v1alpha1.SimulationBackup, restoreSize string) {
	t.Helper()
	want := len(resources.DataVolumes(sim))
	eventually(t, "snapshots of "+b.Name, func() error {
		if n := len(backupSnapshots(t, b)); n != want {
			return fmt.Errorf("%d snapshots, want %d", n, want)
		}
		return nil
	})
	for _, s := range backupSnapshots(t, b) {
		setSnapshotStatus(t, s.Namespace, s.Name, readySnapshot(restoreSize))
	}
	waitForBackup(t, b, b.Name+" Completed", backupPhaseIs(v1alpha1.BackupCompleted))
}

// simulationCondition returns the simulation's condition of a type, or an error.
func simulationCondition(sim *v1alpha1.CharacterSimulation, typ string) (*metav1.Condition, error) {
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(sim), sim); err != nil {
		return nil, err
	}
	c := meta.FindStatusCondition(sim.Status.Conditions, typ)
	if c == nil {
		return nil, fmt.Errorf("no %s condition", typ)
	}
	return c, nil
}

// conditionIs waits for the simulation's condition to have the status and reason.
func waitForCondition(t *testing.T, sim *v1alpha1.CharacterSimulation, typ string, status metav1.ConditionStatus, reason string) *metav1.Condition {
	t.Helper()
	var got *metav1.Condition
	eventually(t, fmt.Sprintf("%s %s=%s/%s", sim.Name, typ, status, reason), func() error {
		c, err := simulationCondition(sim, typ)
		if err != nil {
			return err
		}
		if c.Status != status || c.Reason != reason {
			return fmt.Errorf("%s is %s/%s: %s", typ, c.Status, c.Reason, c.Message)
		}
		got = c
		return nil
	})
	return got
}

// metricValue reads one series of a backup metric: a gauge's or counter's
// value, or a histogram's sample count. It is 0 when the series does not exist.
func metricValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/backup"
	"github.com/mojin/charsim/internal/resources"
)

// TestBackupStepMachine follows one backup from Pending to Completed: the
// snapshots are created once, a transient CSI error keeps it Running, and
// once every snapshot is ready it completes, with sizes, on the backup and
// on the simulation, in events and in metrics.
func TestBackupStepMachine(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "tavern", time.Minute)
	create(t, sim)
	createDataClaims(t, sim)
	b := createBackup(t, sim, "tavern-1")

	waitForBackup(t, b, "backup Running", backupPhaseIs(v1alpha1.BackupRunning))
	if b.Status.StartTime == nil || b.Status.Deadline == nil || b.Status.Deadline.Sub(b.Status.StartTime.Time) != time.Minute {
		t.Errorf("start %v deadline %v, want a deadline 1m after the start", b.Status.StartTime, b.Status.Deadline)
	}
	snaps := backupSnapshots(t, b)
	if len(snaps) != 3 {
		t.Fatalf("%d snapshots, want one per store", len(snaps))
	}
	for _, s := range snaps {
		component := s.Labels[resources.LabelComponent]
		claim := "data-tavern-" + component + "-0"
		owner := metav1.GetControllerOf(&s)
		switch {
		case s.Name != "tavern-1-"+component:
			t.Errorf("snapshot %s, want tavern-1-%s", s.Name, component)
		case ptr.Deref(s.Spec.Source.PersistentVolumeClaimName, "") != claim:
			t.Errorf("%s snapshots %v, want %s", s.Name, s.Spec.Source.PersistentVolumeClaimName, claim)
		case ptr.Deref(s.Spec.VolumeSnapshotClassName, "") != "csi-hostpath-snapclass":
			t.Errorf("%s class %v, want spec.backup.volumeSnapshotClassName", s.Name, s.Spec.VolumeSnapshotClassName)
		case s.Labels[resources.LabelSimulation] != "tavern" || s.Labels[backup.LabelBackup] != "tavern-1":
			t.Errorf("%s labels %v, want the simulation, the backup and the component", s.Name, s.Labels)
		case owner == nil || owner.UID != b.UID:
			t.Errorf("%s controller %+v, want the backup", s.Name, owner)
		}
	}
	waitForStatus(t, sim, "lastBackup Running", func(s v1alpha1.CharacterSimulationStatus) error {
		if s.LastBackup == nil || s.LastBackup.Name != "tavern-1" || s.LastBackup.Phase != "Running" {
			return fmt.Errorf("lastBackup = %+v", s.LastBackup)
		}
		return nil
	})

	// The CSI driver reports an error on one snapshot: retried, not fatal.
	setSnapshotStatus(t, ns, "tavern-1-postgres", readySnapshot("12Gi"))
	setSnapshotStatus(t, ns, "tavern-1-qdrant", failingSnapshot("rpc error: code = Unavailable desc = driver restarting"))
	waitForBackup(t, b, "the transient error reported", func(b *v1alpha1.SimulationBackup) error {
		if b.Status.Phase != v1alpha1.BackupRunning || !strings.Contains(succeeded(b), "RetryingSnapshotErrors") || !strings.Contains(succeeded(b), "driver restarting") {
			return fmt.Errorf("%s: %s", b.Status.Phase, succeeded(b))
		}
		return nil
	})
	// Later reconciles find the snapshots; they never create more.
	time.Sleep(2 * time.Second)
	if n := len(backupSnapshots(t, b)); n != 3 {
		t.Fatalf("%d snapshots after more reconciles, want still 3", n)
	}

	setSnapshotStatus(t, ns, "tavern-1-qdrant", readySnapshot("0"))
	setSnapshotStatus(t, ns, "tavern-1-redis", readySnapshot("0"))
	waitForBackup(t, b, "backup Completed", backupPhaseIs(v1alpha1.BackupCompleted))
	sizes := map[string]string{}
	for _, s := range b.Status.Snapshots {
		if !s.ReadyToUse || s.Size == nil {
			t.Errorf("%s snapshot record %+v, want ready with a size", s.Component, s)
			continue
		}
		sizes[s.Component] = s.Size.String()
	}
	// The driver's restoreSize when it reports one, the claim's size when "0".
	if want := map[string]string{"postgres": "12Gi", "qdrant": "20Gi", "redis": "1Gi"}; !mapsEqual(sizes, want) {
		t.Errorf("sizes %v, want %v", sizes, want)
	}
	if b.Status.CompletionTime == nil || !strings.HasPrefix(succeeded(b), "Completed: ") {
		t.Errorf("completion %v, condition %s", b.Status.CompletionTime, succeeded(b))
	}
	waitForStatus(t, sim, "lastBackup Completed", func(s v1alpha1.CharacterSimulationStatus) error {
		if s.LastBackup == nil || s.LastBackup.Phase != "Completed" || s.LastBackup.CompletionTime == nil ||
			!s.LastBackup.CompletionTime.Equal(b.Status.CompletionTime) {
			return fmt.Errorf("lastBackup = %+v", s.LastBackup)
		}
		return nil
	})
	waitForCondition(t, sim, v1alpha1.ConditionLastBackupSucceeded, metav1.ConditionTrue, backup.ReasonCompleted)

	labels := map[string]string{"namespace": ns, "simulation": "tavern"}
	if got := metricValue(t, "charsim_backup_last_success_timestamp_seconds", labels); got != float64(b.Status.CompletionTime.Unix()) {
		t.Errorf("last success metric %v, want %d", got, b.Status.CompletionTime.Unix())
	}
	if got := metricValue(t, "charsim_backup_duration_seconds", map[string]string{"namespace": ns, "simulation": "tavern", "phase": "Completed"}); got != 1 {
		t.Errorf("duration samples %v, want 1", got)
	}
	var reasons []string
	for _, e := range listEvents(t, ns) {
		if e.Regarding.Name == "tavern-1" || (e.Regarding.Name == "tavern" && strings.HasPrefix(e.Reason, "Backup")) {
			reasons = append(reasons, e.Regarding.Kind+"/"+e.Reason)
		}
	}
	for _, want := range []string{"SimulationBackup/Started", "SimulationBackup/Completed", "CharacterSimulation/BackupCompleted"} {
		if !slices.Contains(reasons, want) {
			t.Errorf("events %v lack %s", reasons, want)
		}
	}
}

// TestBackupDeadline: a snapshot that keeps failing, and one the driver
// never answers, both end Failed with the reason once the deadline passes,
// and not before; the simulation and the failure counter say so.
func TestBackupDeadline(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "stuck", 10*time.Second)
	create(t, sim)
	createDataClaims(t, sim)
	failing := createBackup(t, sim, "stuck-failing")
	silent := createBackup(t, sim, "stuck-silent")
	waitForBackup(t, failing, "Running", backupPhaseIs(v1alpha1.BackupRunning))
	waitForBackup(t, silent, "Running", backupPhaseIs(v1alpha1.BackupRunning))
	for _, s := range backupSnapshots(t, failing) {
		status := readySnapshot("0")
		if s.Name == "stuck-failing-qdrant" {
			status = failingSnapshot("failed to take snapshot: quota exceeded")
		}
		setSnapshotStatus(t, ns, s.Name, status)
	}

	for _, tc := range []struct {
		b           *v1alpha1.SimulationBackup
		reason      string
		wantMessage []string
	}{
		{failing, backup.ReasonSnapshotFailed, []string{"qdrant: VolumeSnapshot stuck-failing-qdrant: failed to take snapshot: quota exceeded"}},
		{silent, backup.ReasonDeadlineExceeded, []string{"postgres: VolumeSnapshot stuck-silent-postgres not ready", "redis: VolumeSnapshot stuck-silent-redis not ready"}},
	} {
		waitForBackup(t, tc.b, tc.b.Name+" Failed", backupPhaseIs(v1alpha1.BackupFailed))
		c := succeeded(tc.b)
		if !strings.HasPrefix(c, tc.reason+": deadline ") {
			t.Errorf("%s: %s, want reason %s", tc.b.Name, c, tc.reason)
		}
		for _, m := range tc.wantMessage {
			if !strings.Contains(c, m) {
				t.Errorf("%s: %s, want it to say %q", tc.b.Name, c, m)
			}
		}
		if tc.b.Status.CompletionTime.Before(tc.b.Status.Deadline) {
			t.Errorf("%s failed at %v, before its deadline %v: errors must be retried until then", tc.b.Name, tc.b.Status.CompletionTime, tc.b.Status.Deadline)
		}
		got := metricValue(t, "charsim_backup_failures_total", map[string]string{"namespace": ns, "simulation": "stuck", "reason": tc.reason})
		if got != 1 {
			t.Errorf("failures_total{reason=%s} = %v, want 1", tc.reason, got)
		}
	}
	c := waitForCondition(t, sim, v1alpha1.ConditionLastBackupSucceeded, metav1.ConditionFalse, backup.ReasonDeadlineExceeded)
	if !strings.Contains(c.Message, "backup stuck-silent failed") {
		t.Errorf("LastBackupSucceeded message %q, want it to name the newest failed backup", c.Message)
	}
}

// TestBackupFailsAtOnceWhenItCannotStart: no simulation, or a store whose
// volume does not exist yet, fails the backup at its first step with a
// reason; a snapshot deleted while running fails it at once too.
func TestBackupFailsAtOnceWhenItCannotStart(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	orphan := createBackup(t, newSimulation(ns, "nobody"), "nobody-1")
	waitForBackup(t, orphan, "Failed", backupPhaseIs(v1alpha1.BackupFailed))
	if !strings.HasPrefix(succeeded(orphan), backup.ReasonSimulationNotFound+": CharacterSimulation nobody not found") {
		t.Errorf("backup of a missing simulation: %s", succeeded(orphan))
	}
	eventually(t, "a Warning event on the orphan backup", func() error {
		for _, e := range listEvents(t, ns) {
			if e.Type == corev1.EventTypeWarning && e.Reason == backup.ReasonSimulationNotFound && e.Regarding.Name == orphan.Name {
				return nil
			}
		}
		return fmt.Errorf("no %s event for %s", backup.ReasonSimulationNotFound, orphan.Name)
	})

	sim := newBackedUpSimulation(ns, "fresh", time.Minute)
	create(t, sim)
	early := createBackup(t, sim, "fresh-1")
	waitForBackup(t, early, "Failed", backupPhaseIs(v1alpha1.BackupFailed))
	if !strings.HasPrefix(succeeded(early), backup.ReasonVolumeNotFound+": volume claim data-fresh-postgres-0 of postgres does not exist") {
		t.Errorf("backup before the volumes exist: %s", succeeded(early))
	}

	createDataClaims(t, sim)
	lost := createBackup(t, sim, "fresh-2")
	waitForBackup(t, lost, "Running", backupPhaseIs(v1alpha1.BackupRunning))
	if err := k8s.Delete(context.Background(), &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fresh-2-redis"}}); err != nil {
		t.Fatal(err)
	}
	waitForBackup(t, lost, "Failed", backupPhaseIs(v1alpha1.BackupFailed))
	if !strings.HasPrefix(succeeded(lost), backup.ReasonSnapshotLost+": redis: VolumeSnapshot fresh-2-redis no longer exists") {
		t.Errorf("backup whose snapshot was deleted: %s", succeeded(lost))
	}
}

// TestBackupRetention: finished backups beyond keepLast are deleted, and
// with them (through the garbage collector) their snapshots; the newest
// Completed backup is kept even behind newer failures; running backups are
// never touched.
func TestBackupRetention(t *testing.T) {
	startGarbageCollector(t)
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "keeper", time.Minute)
	sim.Spec.Backup.Retention.KeepLast = ptr.To[int32](2)
	create(t, sim)
	createDataClaims(t, sim)

	// Names sort in creation order, which orders backups of the same second.
	completed := func(name string) *v1alpha1.SimulationBackup {
		b := createBackup(t, sim, name)
		completeBackup(t, sim, b, "0")
		return b
	}
	failed := func(name string) *v1alpha1.SimulationBackup {
		b := createBackup(t, sim, name)
		waitForBackup(t, b, "Running", backupPhaseIs(v1alpha1.BackupRunning))
		if err := k8s.Delete(context.Background(), &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-redis"}}); err != nil {
			t.Fatal(err)
		}
		waitForBackup(t, b, "Failed", backupPhaseIs(v1alpha1.BackupFailed))
		return b
	}
	remaining := func(want ...string) {
		t.Helper()
		eventually(t, fmt.Sprintf("backups %v", want), func() error {
			list := &v1alpha1.SimulationBackupList{}
			if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
				return err
			}
			var got []string
			for _, b := range list.Items {
				if b.DeletionTimestamp.IsZero() {
					got = append(got, b.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("backups %v", got)
			}
			return nil
		})
	}

	r1 := completed("keeper-r1")
	completed("keeper-r2")
	remaining("keeper-r1", "keeper-r2")
	running := createBackup(t, sim, "keeper-r3")
	waitForBackup(t, running, "Running", backupPhaseIs(v1alpha1.BackupRunning))
	completed("keeper-r4")
	remaining("keeper-r2", "keeper-r3", "keeper-r4")
	eventually(t, "snapshots of the pruned backup deleted with it", func() error {
		if n := len(backupSnapshots(t, r1)); n != 0 {
			return fmt.Errorf("%d snapshots of %s left", n, r1.Name)
		}
		return nil
	})

	// Two failures push the newest success beyond keepLast: it stays.
	failed("keeper-r5")
	failed("keeper-r6")
	remaining("keeper-r3", "keeper-r4", "keeper-r5", "keeper-r6")
	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Backup.Retention.KeepLast = ptr.To[int32](1) })
	remaining("keeper-r3", "keeper-r4", "keeper-r6")
	completed("keeper-r7")
	remaining("keeper-r3", "keeper-r7")
}

// TestSnapshotDeletionPolicy: under Retain (the default) deleting the
// simulation keeps its backups and snapshots; under Delete they go with it.
func TestSnapshotDeletionPolicy(t *testing.T) {
	startGarbageCollector(t)
	startManager(t)
	ns := newNamespace(t)

	retained := newBackedUpSimulation(ns, "retained", time.Minute)
	create(t, retained)
	createDataClaims(t, retained)
	kept := createBackup(t, retained, "retained-1")
	completeBackup(t, retained, kept, "0")
	if refs := kept.OwnerReferences; len(refs) != 0 {
		t.Errorf("backup under Retain has owners %+v", refs)
	}

	deleted := newBackedUpSimulation(ns, "deleted", time.Minute)
	deleted.Spec.Backup.SnapshotDeletionPolicy = v1alpha1.SnapshotDeletionDelete
	create(t, deleted)
	createDataClaims(t, deleted)
	goes := createBackup(t, deleted, "deleted-1")
	completeBackup(t, deleted, goes, "0")
	waitForBackup(t, goes, "the simulation as owner", func(b *v1alpha1.SimulationBackup) error {
		if i := slices.IndexFunc(b.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == deleted.UID }); i < 0 {
			return fmt.Errorf("owners %+v", b.OwnerReferences)
		}
		return nil
	})

	// The policy applies to existing backups when it changes.
	updateSimulation(t, retained, func(s *v1alpha1.CharacterSimulation) {
		s.Spec.Backup.SnapshotDeletionPolicy = v1alpha1.SnapshotDeletionDelete
	})
	waitForBackup(t, kept, "owner added", func(b *v1alpha1.SimulationBackup) error {
		if len(b.OwnerReferences) != 1 {
			return fmt.Errorf("owners %+v", b.OwnerReferences)
		}
		return nil
	})
	updateSimulation(t, retained, func(s *v1alpha1.CharacterSimulation) {
		s.Spec.Backup.SnapshotDeletionPolicy = v1alpha1.SnapshotDeletionRetain
	})
	waitForBackup(t, kept, "owner removed", func(b *v1alpha1.SimulationBackup) error {
		if len(b.OwnerReferences) != 0 {
			return fmt.Errorf("owners %+v", b.OwnerReferences)
		}
		return nil
	})

	for _, sim := range []*v1alpha1.CharacterSimulation{retained, deleted} {
		if err := k8s.Delete(context.Background(), sim); err != nil {
			t.Fatal(err)
		}
		eventually(t, sim.Name+" gone", func() error { return gone(ns, sim.Name, &v1alpha1.CharacterSimulation{}) })
	}
	eventually(t, "the Delete policy's backup and snapshots deleted", func() error {
		if err := gone(ns, goes.Name, &v1alpha1.SimulationBackup{}); err != nil {
			return err
		}
		if n := len(backupSnapshots(t, goes)); n != 0 {
			return fmt.Errorf("%d snapshots left", n)
		}
		return nil
	})
	// The garbage collector has acted on the other simulation by now.
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(kept), kept); err != nil {
		t.Fatalf("the Retain policy's backup is gone with its simulation: %v", err)
	}
	if n := len(backupSnapshots(t, kept)); n != 3 {
		t.Errorf("%d snapshots of the retained backup left, want 3", n)
	}
}

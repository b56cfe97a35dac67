package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// restoringSimulation is a simulation restoring from the backup.
func restoringSimulation(ns, name, backupName string) *v1alpha1.CharacterSimulation {
	sim := newSimulation(ns, name)
	sim.Spec.Restore = &v1alpha1.RestoreSpec{BackupName: backupName}
	return sim
}

// assertRestoredClaims checks each store's claim of sim comes from the
// backup's snapshot of that store.
func assertRestoredClaims(t *testing.T, sim *v1alpha1.CharacterSimulation, b *v1alpha1.SimulationBackup) {
	t.Helper()
	for _, rec := range b.Status.Snapshots {
		name := "data-" + sim.Name + "-" + rec.Component + "-0"
		claim := get(t, sim.Namespace, name, &corev1.PersistentVolumeClaim{})
		ds := claim.Spec.DataSource
		if ds == nil || ptr.Deref(ds.APIGroup, "") != snapshotv1.GroupName || ds.Kind != "VolumeSnapshot" || ds.Name != rec.VolumeSnapshotName {
			t.Errorf("claim %s dataSource %+v, want VolumeSnapshot %s", name, ds, rec.VolumeSnapshotName)
		}
		if claim.Annotations[resources.AnnotationRestoredFrom] != b.Name || len(claim.OwnerReferences) != 0 {
			t.Errorf("claim %s annotations %v owners %v, want restored-from %s and no owner", name, claim.Annotations, claim.OwnerReferences, b.Name)
		}
	}
}

// TestRestoreIntoANewSimulation: the new simulation's claims are created
// from the backup's snapshots before its StatefulSets exist, and it becomes
// Ready like any other.
func TestRestoreIntoANewSimulation(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	source := newBackedUpSimulation(ns, "origin", time.Minute)
	create(t, source)
	createDataClaims(t, source)
	b := createBackup(t, source, "origin-1")
	completeBackup(t, source, b, "0")

	// Every store StatefulSet must find its claim already there.
	watcher, err := client.NewWithWatch(restConfig, client.Options{Scheme: testScheme})
	if err != nil {
		t.Fatal(err)
	}
	w, err := watcher.Watch(context.Background(), &appsv1.StatefulSetList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	restored := restoringSimulation(ns, "copy", b.Name)
	create(t, restored)
	seen := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for len(seen) < 3 {
		select {
		case ev := <-w.ResultChan():
			sts, ok := ev.Object.(*appsv1.StatefulSet)
			if ev.Type != watch.Added || !ok || seen[sts.Name] || !strings.HasPrefix(sts.Name, "copy-") {
				continue
			}
			seen[sts.Name] = true
			if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: resources.DataClaimName(sts.Name)}, &corev1.PersistentVolumeClaim{}); err != nil {
				t.Errorf("StatefulSet %s exists before its restored claim: %v", sts.Name, err)
			}
		case <-deadline:
			t.Fatalf("store StatefulSets of the restored simulation: saw only %v", seen)
		}
	}
	assertRestoredClaims(t, restored, b)
	// The restored database accepts only its old password: the new
	// simulation gets it, in its own credentials Secret.
	original := get(t, ns, resources.PostgresCredentialsName("origin"), &corev1.Secret{})
	copied := get(t, ns, resources.PostgresCredentialsName("copy"), &corev1.Secret{})
	if string(copied.Data[resources.KeyPassword]) != string(original.Data[resources.KeyPassword]) ||
		!strings.Contains(string(copied.Data[resources.KeyURL]), "@copy-postgres."+ns+".svc:") {
		t.Error("the restored simulation's PostgreSQL credentials do not carry the original password with its own URL")
	}
	c := waitForCondition(t, restored, v1alpha1.ConditionRestored, metav1.ConditionTrue, resources.ReasonRestored)
	if c.Message != "volumes of postgres, qdrant, redis restored from backup origin-1" {
		t.Errorf("Restored message %q", c.Message)
	}
	markAllReady(t, restored)
	waitForStatus(t, restored, "restored simulation Ready", phaseIs(v1alpha1.PhaseReady))

	// Pruning the backup later changes nothing for the restored simulation.
	if err := k8s.Delete(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	updateSimulation(t, restored, func(s *v1alpha1.CharacterSimulation) { s.Spec.MCPServer.Replicas = ptr.To[int32](2) })
	waitForStatus(t, restored, "Restored kept after the backup is gone", func(s v1alpha1.CharacterSimulationStatus) error {
		if c, _ := simulationCondition(restored, v1alpha1.ConditionRestored); c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("Restored = %+v", c)
		}
		return nil
	})
}

// TestRestoreRefusals: a backup that is missing, not Completed, lacks a
// snapshot or needs more room than the spec gives is refused with a clear
// condition, and no store StatefulSet (which would create empty volumes) is
// made; a restore waiting for a running backup goes ahead once it completes.
func TestRestoreRefusals(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	source := newBackedUpSimulation(ns, "src", time.Minute)
	create(t, source)
	createDataClaims(t, source)

	running := createBackup(t, source, "src-running")
	waitForBackup(t, running, "Running", backupPhaseIs(v1alpha1.BackupRunning))
	big := createBackup(t, source, "src-big")
	completeBackup(t, source, big, "2Gi") // redis' default size is 1Gi
	holey := createBackup(t, source, "src-holey")
	completeBackup(t, source, holey, "0")
	if err := k8s.Delete(context.Background(), &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "src-holey-qdrant"}}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		sim     *v1alpha1.CharacterSimulation
		reason  string
		message string
	}{
		{restoringSimulation(ns, "from-nothing", "src-nope"), resources.ReasonBackupNotFound, "SimulationBackup src-nope not found in namespace " + ns},
		{restoringSimulation(ns, "from-running", "src-running"), resources.ReasonBackupNotCompleted, "backup src-running is Running; the restore waits until it is Completed"},
		{restoringSimulation(ns, "from-big", "src-big"), resources.ReasonVolumeTooSmall, "spec.redis.storage.size 1Gi is smaller than VolumeSnapshot src-big-redis (2Gi): set it to at least 2Gi"},
		{restoringSimulation(ns, "from-holey", "src-holey"), resources.ReasonSnapshotMissing, "VolumeSnapshot src-holey-qdrant (the qdrant volume of backup src-holey) does not exist"},
	}
	for _, tc := range cases {
		create(t, tc.sim)
	}
	for _, tc := range cases {
		c := waitForCondition(t, tc.sim, v1alpha1.ConditionRestored, metav1.ConditionFalse, tc.reason)
		if !strings.Contains(c.Message, tc.message) {
			t.Errorf("%s: Restored message %q, want %q", tc.sim.Name, c.Message, tc.message)
		}
		refusals := 0
		for _, e := range listEvents(t, ns) {
			if e.Regarding.Name == tc.sim.Name && e.Type == corev1.EventTypeWarning && e.Reason == tc.reason && strings.Contains(e.Note, tc.message) {
				refusals++
			}
		}
		if refusals != 1 {
			t.Errorf("%s: %d Warning events %s, want 1", tc.sim.Name, refusals, tc.reason)
		}
		// The MCP server is applied; no store is, nor the database password
		// (the restore brings it).
		waitForChildren(t, tc.sim, mcpChildren(tc.sim.Name))
		if err := gone(ns, resources.PostgresCredentialsName(tc.sim.Name), &corev1.Secret{}); err != nil {
			t.Errorf("%s: %v", tc.sim.Name, err)
		}
		for _, store := range []string{"postgres", "qdrant", "redis"} {
			if err := gone(ns, tc.sim.Name+"-"+store, &appsv1.StatefulSet{}); err != nil {
				t.Errorf("%s: %v", tc.sim.Name, err)
			}
			if err := gone(ns, "data-"+tc.sim.Name+"-"+store+"-0", &corev1.PersistentVolumeClaim{}); err != nil {
				t.Errorf("%s: %v", tc.sim.Name, err)
			}
		}
	}

	// The waiting restore proceeds when its backup completes.
	completeBackup(t, source, running, "0")
	waiting := cases[1].sim
	waitForCondition(t, waiting, v1alpha1.ConditionRestored, metav1.ConditionTrue, resources.ReasonRestored)
	waitForChildren(t, waiting, postgresChildren(waiting.Name))
	assertRestoredClaims(t, waiting, running)

	// A bigger volume fits the snapshot: the refused restore can be fixed
	// by growing the spec.
	tooSmall := cases[2].sim
	updateSimulation(t, tooSmall, func(s *v1alpha1.CharacterSimulation) {
		s.Spec.Redis.Storage = &v1alpha1.StorageSpec{Size: ptr.To(quantity("2Gi"))}
	})
	waitForCondition(t, tooSmall, v1alpha1.ConditionRestored, metav1.ConditionTrue, resources.ReasonRestored)
	if claim := get(t, ns, "data-from-big-redis-0", &corev1.PersistentVolumeClaim{}); claim.Spec.Resources.Requests.Storage().String() != "2Gi" {
		t.Errorf("restored redis claim asks %s, want 2Gi", claim.Spec.Resources.Requests.Storage())
	}
}

// TestRestoreRefusesALeftoverVolume: a claim left by an earlier simulation
// of the same name is not silently used in place of the backup.
func TestRestoreRefusesALeftoverVolume(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	source := newBackedUpSimulation(ns, "first", time.Minute)
	create(t, source)
	createDataClaims(t, source)
	b := createBackup(t, source, "first-1")
	completeBackup(t, source, b, "0")

	restored := restoringSimulation(ns, "reborn", b.Name)
	leftover := newSimulation(ns, "reborn")
	leftover.Spec.Postgres.External = &v1alpha1.ExternalPostgres{URLSecretRef: v1alpha1.SecretKeyRef{Name: "x", Key: "y"}}
	leftover.Spec.Redis.Mode = v1alpha1.RedisDisabled
	createDataClaims(t, leftover) // only qdrant's
	create(t, restored)
	c := waitForCondition(t, restored, v1alpha1.ConditionRestored, metav1.ConditionFalse, resources.ReasonVolumeConflict)
	if !strings.Contains(c.Message, "volume claim data-reborn-qdrant-0 already exists and was not restored from backup first-1") {
		t.Errorf("Restored message %q", c.Message)
	}
	if err := gone(ns, "reborn-qdrant", &appsv1.StatefulSet{}); err != nil {
		t.Error(err)
	}
}

package controllers

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/backup"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

// playGroupSnapshotController does what the CSI group snapshot controller
// does once the driver has cut the group: a ready member VolumeSnapshot per
// selected claim, owned by the group, and the group ready.
func playGroupSnapshotController(t *testing.T, sim *v1alpha1.CharacterSimulation, g *groupsnapshotv1.VolumeGroupSnapshot) {
	t.Helper()
	for _, v := range resources.DataVolumes(sim) {
		member := &snapshotv1.VolumeSnapshot{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: sim.Namespace, Name: "snapshot-" + string(g.UID)[:8] + "-" + v.Component,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(g, groupsnapshotv1.SchemeGroupVersion.WithKind("VolumeGroupSnapshot"))},
			},
			Spec: snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{
				PersistentVolumeClaimName: ptr.To(resources.DataClaimName(v.StatefulSet)),
			}},
		}
		create(t, member)
		status := readySnapshot("0")
		status.VolumeGroupSnapshotName = ptr.To(g.Name)
		setSnapshotStatus(t, sim.Namespace, member.Name, status)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current := get(t, sim.Namespace, g.Name, &groupsnapshotv1.VolumeGroupSnapshot{})
		current.Status = &groupsnapshotv1.VolumeGroupSnapshotStatus{ReadyToUse: ptr.To(true), CreationTime: ptr.To(metav1.Now())}
		return k8s.Status().Update(context.Background(), current)
	})
	if err != nil {
		t.Fatalf("mark the group snapshot ready: %v", err)
	}
}

// TestGroupSnapshotBackupAndRestore: method VolumeGroupSnapshot takes one
// group snapshot of the store claims, records its member snapshots, and a
// restore uses them.
func TestGroupSnapshotBackupAndRestore(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "grouped", time.Minute)
	sim.Spec.Backup.Method = v1alpha1.BackupMethodVolumeGroupSnapshot
	sim.Spec.Backup.VolumeGroupSnapshotClassName = ptr.To("csi-hostpath-groupclass")
	create(t, sim)
	createDataClaims(t, sim)
	waitForCondition(t, sim, v1alpha1.ConditionBackupScheduled, metav1.ConditionTrue, resources.ReasonScheduled)

	b := createBackup(t, sim, "grouped-1")
	waitForBackup(t, b, "Running", backupPhaseIs(v1alpha1.BackupRunning))
	if n := len(backupSnapshots(t, b)); n != 0 {
		t.Errorf("%d VolumeSnapshots of its own; a group backup makes only the group snapshot", n)
	}
	g := get(t, ns, "grouped-1", &groupsnapshotv1.VolumeGroupSnapshot{})
	sel := g.Spec.Source.Selector
	if ptr.Deref(g.Spec.VolumeGroupSnapshotClassName, "") != "csi-hostpath-groupclass" || sel == nil ||
		sel.MatchLabels[resources.LabelSimulation] != "grouped" || metav1.GetControllerOf(g) == nil || metav1.GetControllerOf(g).UID != b.UID {
		t.Fatalf("group snapshot %+v", g)
	}
	if b.Status.Method != v1alpha1.BackupMethodVolumeGroupSnapshot || b.Status.VolumeGroupSnapshotName != "grouped-1" {
		t.Errorf("status method %q group %q", b.Status.Method, b.Status.VolumeGroupSnapshotName)
	}

	playGroupSnapshotController(t, sim, g)
	waitForBackup(t, b, "Completed", backupPhaseIs(v1alpha1.BackupCompleted))
	for _, rec := range b.Status.Snapshots {
		if rec.VolumeSnapshotName != "snapshot-"+string(g.UID)[:8]+"-"+rec.Component || !rec.ReadyToUse {
			t.Errorf("%s record %+v, want its member snapshot, ready", rec.Component, rec)
		}
	}

	restored := restoringSimulation(ns, "regrouped", b.Name)
	create(t, restored)
	waitForCondition(t, restored, v1alpha1.ConditionRestored, metav1.ConditionTrue, resources.ReasonRestored)
	assertRestoredClaims(t, restored, b)
}

// TestGroupSnapshotsUnsupported: on a cluster that does not serve
// VolumeGroupSnapshots, a simulation asking for them says so in
// BackupScheduled and its backups fail with that reason.
func TestGroupSnapshotsUnsupported(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	crdDir, err := testenv.SnapshotCRDDir()
	if err != nil {
		t.Fatal(err)
	}
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	crd.SetName("volumegroupsnapshots.groupsnapshot.storage.k8s.io")
	if err := k8s.Delete(context.Background(), crd); err != nil {
		t.Fatalf("remove the VolumeGroupSnapshot CRD: %v", err)
	}
	apis, err := newAPIDiscovery(restConfig)
	if err != nil {
		t.Fatal(err)
	}
	servedIs := func(want bool) func() error {
		return func() error {
			if served, err := apis.serves(volumeGroupSnapshotAPI); err != nil || served != want {
				return fmt.Errorf("served %v (%v), want %v", served, err, want)
			}
			return nil
		}
	}
	t.Cleanup(func() {
		_, err := envtest.InstallCRDs(restConfig, envtest.CRDInstallOptions{
			Paths: []string{filepath.Join(crdDir, "groupsnapshot.storage.k8s.io_volumegroupsnapshots.yaml")},
		})
		if err != nil {
			t.Fatalf("reinstall the VolumeGroupSnapshot CRD: %v", err)
		}
		eventually(t, "VolumeGroupSnapshots served again", servedIs(true))
	})
	eventually(t, "VolumeGroupSnapshots no longer served", servedIs(false))

	sim := newBackedUpSimulation(ns, "wishful", time.Minute)
	sim.Spec.Backup.Method = v1alpha1.BackupMethodVolumeGroupSnapshot
	create(t, sim)
	createDataClaims(t, sim)
	c := waitForCondition(t, sim, v1alpha1.ConditionBackupScheduled, metav1.ConditionFalse, resources.ReasonVolumeGroupSnapshotUnsupported)
	if !strings.Contains(c.Message, "does not serve groupsnapshot.storage.k8s.io/v1") {
		t.Errorf("BackupScheduled message %q", c.Message)
	}
	b := createBackup(t, sim, "wishful-1")
	waitForBackup(t, b, "Failed", backupPhaseIs(v1alpha1.BackupFailed))
	if !strings.HasPrefix(succeeded(b), backup.ReasonGroupSnapshotsUnsupported+": the cluster does not serve groupsnapshot.storage.k8s.io/v1 volumegroupsnapshots") {
		t.Errorf("backup: %s", succeeded(b))
	}
	list := &groupsnapshotv1.VolumeGroupSnapshotList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err == nil && len(list.Items) > 0 {
		t.Errorf("a group snapshot was created: %+v", list.Items)
	}
}

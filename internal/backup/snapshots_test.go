package backup

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

func testSimulation() *v1alpha1.CharacterSimulation {
	return &v1alpha1.CharacterSimulation{
		ObjectMeta: metav1.ObjectMeta{Name: "tavern", Namespace: "stories"},
		Spec: v1alpha1.CharacterSimulationSpec{
			Redis: v1alpha1.RedisSpec{Mode: v1alpha1.RedisDisabled},
			Backup: &v1alpha1.BackupSpec{
				Schedule:                     "@daily",
				VolumeSnapshotClassName:      ptr.To("csi-hostpath-snapclass"),
				VolumeGroupSnapshotClassName: ptr.To("csi-hostpath-groupclass"),
			},
		},
	}
}

func testBackup() *v1alpha1.SimulationBackup {
	return &v1alpha1.SimulationBackup{
		ObjectMeta: metav1.ObjectMeta{Name: "tavern-x1y2z", Namespace: "stories", UID: "b-uid"},
		Spec:       v1alpha1.SimulationBackupSpec{SimulationName: "tavern"},
	}
}

func TestPlanAndVolumeSnapshot(t *testing.T) {
	sim, b := testSimulation(), testBackup()
	claims := map[string]*corev1.PersistentVolumeClaim{
		"data-tavern-postgres-0": {Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}},
	}
	plan := Plan(b, sim, claims, v1alpha1.BackupMethodVolumeSnapshot)
	if len(plan) != 2 || plan[0].Component != "postgres" || plan[1].Component != "qdrant" {
		t.Fatalf("plan = %+v, want postgres and qdrant (redis is disabled)", plan)
	}
	if plan[0].VolumeSnapshotName != "tavern-x1y2z-postgres" || plan[0].PersistentVolumeClaimName != "data-tavern-postgres-0" ||
		plan[0].Size.String() != "10Gi" || plan[1].Size != nil {
		t.Errorf("plan = %+v", plan)
	}
	snap := VolumeSnapshot(b, sim, plan[0])
	if snap.Name != "tavern-x1y2z-postgres" || snap.Namespace != "stories" ||
		ptr.Deref(snap.Spec.Source.PersistentVolumeClaimName, "") != "data-tavern-postgres-0" ||
		ptr.Deref(snap.Spec.VolumeSnapshotClassName, "") != "csi-hostpath-snapclass" {
		t.Errorf("snapshot = %+v", snap)
	}
	if snap.Labels[LabelBackup] != b.Name || snap.Labels[resources.LabelSimulation] != "tavern" || snap.Labels[resources.LabelComponent] != "postgres" {
		t.Errorf("snapshot labels = %v", snap.Labels)
	}
	if len(snap.OwnerReferences) != 1 || snap.OwnerReferences[0].UID != b.UID || !ptr.Deref(snap.OwnerReferences[0].Controller, false) {
		t.Errorf("snapshot owners = %+v, want the backup as controller", snap.OwnerReferences)
	}
	if group := Plan(b, sim, claims, v1alpha1.BackupMethodVolumeGroupSnapshot); group[0].VolumeSnapshotName != "" {
		t.Errorf("a group snapshot's member names are not known in advance, plan = %+v", group)
	}
}

func TestVolumeGroupSnapshotSelectsTheStoreClaims(t *testing.T) {
	sim, b := testSimulation(), testBackup()
	g := VolumeGroupSnapshot(b, sim)
	sel := g.Spec.Source.Selector
	if g.Name != b.Name || ptr.Deref(g.Spec.VolumeGroupSnapshotClassName, "") != "csi-hostpath-groupclass" || sel == nil {
		t.Fatalf("group snapshot = %+v", g)
	}
	if sel.MatchLabels[resources.LabelSimulation] != "tavern" || sel.MatchLabels[resources.LabelInstance] != "tavern" ||
		len(sel.MatchExpressions) != 1 || !slices.Equal(sel.MatchExpressions[0].Values, []string{"postgres", "qdrant"}) {
		t.Errorf("selector = %+v, want the simulation's postgres and qdrant claims", sel)
	}
	// The claim template's labels are what the selector must match.
	claimLabels := resources.Labels(sim, "qdrant")
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	if !selector.Matches(labels.Set(claimLabels)) {
		t.Errorf("selector %s does not match the qdrant claim's labels %v", selector, claimLabels)
	}
	if selector.Matches(labels.Set(resources.Labels(sim, "mcp-server"))) {
		t.Errorf("selector %s matches non-store objects", selector)
	}
}

func TestCredentialsCopy(t *testing.T) {
	sim, b := testSimulation(), testBackup()
	s := CredentialsCopy(b, sim, []byte("pw"))
	if s.Name != "tavern-x1y2z-postgres-credentials" || string(s.Data[resources.KeyPassword]) != "pw" || !ptr.Deref(s.Immutable, false) {
		t.Errorf("copy = %+v", s)
	}
	if _, ok := s.Labels[resources.LabelSimulation]; ok || s.Labels[LabelBackup] != b.Name {
		t.Errorf("labels %v: want the backup's, not the simulation's (it is no child of it)", s.Labels)
	}
	if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != b.UID {
		t.Errorf("owners %+v, want the backup", s.OwnerReferences)
	}
}

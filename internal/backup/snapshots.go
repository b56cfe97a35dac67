package backup

import (
	"maps"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// LabelBackup names the SimulationBackup a snapshot belongs to; a backup
// finds its snapshots by it.
const LabelBackup = "charsim.mojin.dev/backup"

// SnapshotName is the VolumeSnapshot of one store's volume in a backup. The
// name is fixed, so a second attempt to create it finds the first.
func SnapshotName(backup, component string) string { return backup + "-" + component }

// GroupSnapshotName is the VolumeGroupSnapshot of a backup.
func GroupSnapshotName(backup string) string { return backup }

// Labels are the labels of a backup's snapshot of one component (the
// simulation's labels plus the backup), or of its group snapshot when
// component is empty.
func Labels(b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation, component string) map[string]string {
	if component == "" {
		component = resources.ComponentBackup
	}
	labels := resources.Labels(sim, component)
	maps.Copy(labels, map[string]string{LabelBackup: b.Name})
	return labels
}

// ownerReference makes the backup the controller of its snapshots: deleting
// the backup (by hand or by retention) deletes them.
func ownerReference(b *v1alpha1.SimulationBackup) metav1.OwnerReference {
	return *metav1.NewControllerRef(b, v1alpha1.GroupVersion.WithKind("SimulationBackup"))
}

// Plan is the snapshot of each store's volume, as the backup records it
// before anything is ready: the volume claim and its requested size.
func Plan(b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation, claims map[string]*corev1.PersistentVolumeClaim, method v1alpha1.BackupMethod) []v1alpha1.ComponentSnapshot {
	var out []v1alpha1.ComponentSnapshot
	for _, v := range resources.DataVolumes(sim) {
		claim := resources.DataClaimName(v.StatefulSet)
		s := v1alpha1.ComponentSnapshot{Component: v.Component, PersistentVolumeClaimName: claim}
		if method == v1alpha1.BackupMethodVolumeSnapshot {
			s.VolumeSnapshotName = SnapshotName(b.Name, v.Component)
		}
		if c := claims[claim]; c != nil {
			if size, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
				s.Size = ptr.To(size.DeepCopy())
			}
		}
		out = append(out, s)
	}
	return out
}

// VolumeSnapshot is the snapshot of one planned volume.
func VolumeSnapshot(b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation, s v1alpha1.ComponentSnapshot) *snapshotv1.VolumeSnapshot {
	return &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name:            s.VolumeSnapshotName,
			Namespace:       b.Namespace,
			Labels:          Labels(b, sim, s.Component),
			OwnerReferences: []metav1.OwnerReference{ownerReference(b)},
		},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(s.PersistentVolumeClaimName)},
			VolumeSnapshotClassName: snapshotClass(sim),
		},
	}
}

// VolumeGroupSnapshot is one crash-consistent snapshot of every store
// volume of the simulation: it selects the data claims by the labels their
// StatefulSets' claim templates give them.
func VolumeGroupSnapshot(b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation) *groupsnapshotv1.VolumeGroupSnapshot {
	var components []string
	for _, v := range resources.DataVolumes(sim) {
		components = append(components, v.Component)
	}
	var class *string
	if sim.Spec.Backup != nil && sim.Spec.Backup.VolumeGroupSnapshotClassName != nil {
		class = ptr.To(*sim.Spec.Backup.VolumeGroupSnapshotClassName)
	}
	return &groupsnapshotv1.VolumeGroupSnapshot{
		ObjectMeta: metav1.ObjectMeta{
			Name:            GroupSnapshotName(b.Name),
			Namespace:       b.Namespace,
			Labels:          Labels(b, sim, ""),
			OwnerReferences: []metav1.OwnerReference{ownerReference(b)},
		},
		Spec: groupsnapshotv1.VolumeGroupSnapshotSpec{
			Source: groupsnapshotv1.VolumeGroupSnapshotSource{Selector: &metav1.LabelSelector{
				MatchLabels: map[string]string{
					resources.LabelSimulation: sim.Name,
					resources.LabelInstance:   sim.Name,
				},
				MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: resources.LabelComponent, Operator: metav1.LabelSelectorOpIn, Values: components,
				}},
			}},
			VolumeGroupSnapshotClassName: class,
		},
	}
}

func snapshotClass(sim *v1alpha1.CharacterSimulation) *string {
	if sim.Spec.Backup != nil && sim.Spec.Backup.VolumeSnapshotClassName != nil {
		return ptr.To(*sim.Spec.Backup.VolumeSnapshotClassName)
	}
	return nil
}

// Method is how the simulation's backups snapshot: spec.backup.method, or
// one VolumeSnapshot per volume for a simulation without spec.backup.
func Method(sim *v1alpha1.CharacterSimulation) v1alpha1.BackupMethod {
	if sim.Spec.Backup != nil && sim.Spec.Backup.Method != "" {
		return sim.Spec.Backup.Method
	}
	return v1alpha1.BackupMethodVolumeSnapshot
}

// restorableSize is what a ready snapshot needs to restore into: the CSI
// driver's restoreSize, or, when the driver reports none (0 means unknown),
// the size recorded from the source claim.
func restorableSize(recorded *resource.Quantity, snap *snapshotv1.VolumeSnapshot) *resource.Quantity {
	if snap.Status != nil && snap.Status.RestoreSize != nil && !snap.Status.RestoreSize.IsZero() {
		return ptr.To(snap.Status.RestoreSize.DeepCopy())
	}
	return recorded
}

// CredentialsCopy is the backup's copy of the PostgreSQL password: a
// restored database accepts only the password it had (see
// resources.BackupCredentialsName). The backup owns it, so it goes with the
// backup. It carries no simulation label: it is no child of the simulation.
func CredentialsCopy(b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation, password []byte) *corev1.Secret {
	labels := Labels(b, sim, resources.ComponentPostgres)
	delete(labels, resources.LabelSimulation)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:            resources.BackupCredentialsName(b.Name),
			Namespace:       b.Namespace,
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{ownerReference(b)},
		},
		Type:      corev1.SecretTypeOpaque,
		Immutable: ptr.To(true),
		Data:      map[string][]byte{resources.KeyPassword: password},
	}
}

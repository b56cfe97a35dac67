package resources

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Annotations of a volume claim created from a backup. The Restored
// condition is computed from them, so it stays true after the backup itself
// is pruned.
const (
	AnnotationRestoredFrom     = "charsim.mojin.dev/restored-from"
	AnnotationRestoredSnapshot = "charsim.mojin.dev/restored-snapshot"
)

// Restored condition reasons.
const (
	ReasonRestored           = "Restored"
	ReasonBackupNotFound     = "BackupNotFound"
	ReasonBackupNotCompleted = "BackupNotCompleted"
	ReasonSnapshotMissing    = "SnapshotMissing"
	ReasonSnapshotNotReady   = "SnapshotNotReady"
	ReasonVolumeTooSmall     = "VolumeTooSmall"
	ReasonVolumeConflict     = "VolumeConflict"
	ReasonCredentialsMissing = "CredentialsMissing"
	ReasonCredentialsDiffer  = "CredentialsConflict"
)

// BackupCredentialsName names a backup's copy of the PostgreSQL password.
// PostgreSQL keeps its users' passwords in its data, so a restored database
// only accepts the password it had: the restore gives it to the new
// simulation. Qdrant's API key and Redis' password are configuration, not
// data, and are generated anew.
func BackupCredentialsName(backup string) string { return backup + "-postgres-credentials" }

// RestoreInput is what the reconciler read for a simulation with
// spec.restore.
type RestoreInput struct {
	// Claims are the existing data claims of the managed stores, by name.
	Claims map[string]*corev1.PersistentVolumeClaim
	// Backup is spec.restore.backupName; nil when it does not exist. Only
	// read when some claim is missing.
	Backup *v1alpha1.SimulationBackup
	// Snapshots are the VolumeSnapshots the backup names, by name; a
	// missing entry means the snapshot does not exist.
	Snapshots map[string]*snapshotv1.VolumeSnapshot
	// BackupCredentials is the backup's copy of the PostgreSQL password
	// (BackupCredentialsName); nil when it has none.
	BackupCredentials *corev1.Secret
	// Credentials is the simulation's PostgreSQL credentials Secret; nil
	// when it does not exist yet.
	Credentials *corev1.Secret
}

// RestorePlan is what the reconciler does before applying the stores.
type RestorePlan struct {
	// Create are the claims to create from the backup's snapshots.
	Create []*corev1.PersistentVolumeClaim
	// Secrets are the credentials to create before the claims and before
	// any credentials are generated: the restored database's password.
	Secrets []*corev1.Secret
	// Hold are the StatefulSets that must not be applied: their claim is
	// neither restored nor about to be, and a StatefulSet would create it
	// empty.
	Hold map[string]bool
	// Condition is the Restored condition.
	Condition metav1.Condition
}

// restoreProblem is one reason the restore cannot go ahead.
type restoreProblem struct{ reason, message string }

// NeedsBackup reports whether some store's claim is still missing, so the
// backup and its snapshots must be read to plan the restore.
func NeedsBackup(sim *v1alpha1.CharacterSimulation, claims map[string]*corev1.PersistentVolumeClaim) bool {
	for _, v := range DataVolumes(sim) {
		if claims[DataClaimName(v.StatefulSet)] == nil {
			return true
		}
	}
	return false
}

// PlanRestore decides, for a simulation with spec.restore, which claims to
// create from the backup and which StatefulSets to hold back. A claim
// annotated as restored from the backup is done. A missing claim is created
// from the backup's snapshot of that store, but only when the backup is
// Completed and every missing claim's snapshot exists, is ready and fits in
// the requested size: the stores' data return together or not at all. A
// claim that exists without coming from the backup (left by an earlier
// simulation of the same name) is never used in its place.
func PlanRestore(sim *v1alpha1.CharacterSimulation, in RestoreInput) RestorePlan {
	backupName := sim.Spec.Restore.BackupName
	plan := RestorePlan{Hold: map[string]bool{}}
	var missing []DataVolume
	var problems []restoreProblem
	var restored []string
	for _, v := range DataVolumes(sim) {
		claimName := DataClaimName(v.StatefulSet)
		claim := in.Claims[claimName]
		switch {
		case claim == nil:
			missing = append(missing, v)
		case claim.Annotations[AnnotationRestoredFrom] == backupName:
			restored = append(restored, v.Component)
		default:
			plan.Hold[v.StatefulSet] = true
			problems = append(problems, restoreProblem{ReasonVolumeConflict, fmt.Sprintf(
				"volume claim %s already exists and was not restored from backup %s (left by an earlier simulation named %s?): delete it, or remove spec.restore to use it as it is",
				claimName, backupName, sim.Name)})
		}
	}
	if len(missing) > 0 {
		claims, more := restoreClaims(sim, missing, in)
		problems = append(problems, more...)
		secrets, more := restoreCredentials(sim, missing, in)
		problems = append(problems, more...)
		if len(problems) == 0 {
			plan.Create, plan.Secrets = claims, secrets
			for _, v := range missing {
				restored = append(restored, v.Component)
			}
		} else {
			for _, v := range missing {
				plan.Hold[v.StatefulSet] = true
			}
		}
	}
	if len(problems) > 0 {
		messages := make([]string, len(problems))
		for i, p := range problems {
			messages[i] = p.message
		}
		plan.Condition = condition(v1alpha1.ConditionRestored, metav1.ConditionFalse, problems[0].reason, strings.Join(messages, "; "))
		return plan
	}
	plan.Condition = condition(v1alpha1.ConditionRestored, metav1.ConditionTrue, ReasonRestored,
		fmt.Sprintf("volumes of %s restored from backup %s", strings.Join(restored, ", "), backupName))
	return plan
}

// restoreClaims builds the claims of the missing volumes from the backup's
// snapshots, or says why it cannot.
func restoreClaims(sim *v1alpha1.CharacterSimulation, missing []DataVolume, in RestoreInput) ([]*corev1.PersistentVolumeClaim, []restoreProblem) {
	backupName := sim.Spec.Restore.BackupName
	b := in.Backup
	switch {
	case b == nil:
		return nil, []restoreProblem{{ReasonBackupNotFound, fmt.Sprintf(
			"SimulationBackup %s not found in namespace %s (spec.restore.backupName)", backupName, sim.Namespace)}}
	case b.Status.Phase == v1alpha1.BackupFailed:
		return nil, []restoreProblem{{ReasonBackupNotCompleted, fmt.Sprintf(
			"backup %s Failed; restore from a Completed backup", backupName)}}
	case b.Status.Phase != v1alpha1.BackupCompleted:
		phase := b.Status.Phase
		if phase == "" {
			phase = v1alpha1.BackupPending
		}
		return nil, []restoreProblem{{ReasonBackupNotCompleted, fmt.Sprintf(
			"backup %s is %s; the restore waits until it is Completed", backupName, phase)}}
	}
	var claims []*corev1.PersistentVolumeClaim
	var problems []restoreProblem
	for _, v := range missing {
		record := backupSnapshot(b, v.Component)
		if record == nil || record.VolumeSnapshotName == "" {
			problems = append(problems, restoreProblem{ReasonSnapshotMissing, fmt.Sprintf(
				"backup %s has no snapshot of the %s volume (was %s managed when it was taken?)", backupName, v.Component, v.Component)})
			continue
		}
		snap := in.Snapshots[record.VolumeSnapshotName]
		if snap == nil {
			problems = append(problems, restoreProblem{ReasonSnapshotMissing, fmt.Sprintf(
				"VolumeSnapshot %s (the %s volume of backup %s) does not exist", record.VolumeSnapshotName, v.Component, backupName)})
			continue
		}
		if snap.Status == nil || !ptr.Deref(snap.Status.ReadyToUse, false) || !snap.DeletionTimestamp.IsZero() {
			problems = append(problems, restoreProblem{ReasonSnapshotNotReady, fmt.Sprintf(
				"VolumeSnapshot %s (the %s volume of backup %s) is not ready to use", snap.Name, v.Component, backupName)})
			continue
		}
		if need := snapshotSize(record, snap); v.Size.Cmp(need) < 0 {
			problems = append(problems, restoreProblem{ReasonVolumeTooSmall, fmt.Sprintf(
				"spec.%s.storage.size %s is smaller than VolumeSnapshot %s (%s): set it to at least %s",
				v.Component, v.Size.String(), snap.Name, need.String(), need.String())})
			continue
		}
		claims = append(claims, RestoreClaim(sim, v, b.Name, snap.Name))
	}
	return claims, problems
}

// restoreCredentials gives a restored PostgreSQL the password its data
// expects: the backup's copy, unless the simulation's credentials exist
// already (made by the user, or by an earlier restore) with that password.
func restoreCredentials(sim *v1alpha1.CharacterSimulation, missing []DataVolume, in RestoreInput) ([]*corev1.Secret, []restoreProblem) {
	if in.Backup == nil || !slices.ContainsFunc(missing, func(v DataVolume) bool { return v.Component == ComponentPostgres }) {
		return nil, nil
	}
	name := PostgresCredentialsName(sim.Name)
	if in.BackupCredentials == nil {
		if in.Credentials != nil {
			return nil, nil // the user's own: they know the password
		}
		return nil, []restoreProblem{{ReasonCredentialsMissing, fmt.Sprintf(
			"backup %s holds no copy of the PostgreSQL password (Secret %s): create Secret %s with the original database's password (keys %s, %s, %s, %s) before the restore can go ahead",
			in.Backup.Name, BackupCredentialsName(in.Backup.Name), name, KeyUsername, KeyPassword, KeyDatabase, KeyURL)}}
	}
	password := in.BackupCredentials.Data[KeyPassword]
	if in.Credentials == nil {
		return []*corev1.Secret{PostgresCredentials(sim, string(password))}, nil
	}
	if !bytes.Equal(in.Credentials.Data[KeyPassword], password) {
		return nil, []restoreProblem{{ReasonCredentialsDiffer, fmt.Sprintf(
			"Secret %s exists with a password other than the one the database of backup %s expects (left by an earlier simulation named %s?): delete it, and the restore creates it from the backup",
			name, in.Backup.Name, sim.Name)}}
	}
	return nil, nil
}

// backupSnapshot is the backup's record of one component's snapshot.
func backupSnapshot(b *v1alpha1.SimulationBackup, component string) *v1alpha1.ComponentSnapshot {
	for i := range b.Status.Snapshots {
		if b.Status.Snapshots[i].Component == component {
			return &b.Status.Snapshots[i]
		}
	}
	return nil
}

// snapshotSize is the smallest volume the snapshot restores into: the larger
// of the size the backup recorded and the snapshot's own restoreSize.
func snapshotSize(record *v1alpha1.ComponentSnapshot, snap *snapshotv1.VolumeSnapshot) resource.Quantity {
	var need resource.Quantity
	if record.Size != nil {
		need = record.Size.DeepCopy()
	}
	if snap.Status != nil && snap.Status.RestoreSize != nil && snap.Status.RestoreSize.Cmp(need) > 0 {
		need = snap.Status.RestoreSize.DeepCopy()
	}
	return need
}

// RestoreClaim is a store's data claim, created from a snapshot under the
// name the StatefulSet's claim template would give it, so the StatefulSet
// adopts it instead of creating an empty one. Like every data claim it has
// no owner: it outlives the simulation.
func RestoreClaim(sim *v1alpha1.CharacterSimulation, v DataVolume, backup, snapshot string) *corev1.PersistentVolumeClaim {
	spec := corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: v.Size},
		},
		DataSource: &corev1.TypedLocalObjectReference{
			APIGroup: ptr.To(snapshotv1.GroupName),
			Kind:     "VolumeSnapshot",
			Name:     snapshot,
		},
	}
	if storage := storeStorage(sim, v.Component); storage != nil && storage.StorageClassName != nil {
		spec.StorageClassName = ptr.To(*storage.StorageClassName)
	}
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:      DataClaimName(v.StatefulSet),
			Namespace: sim.Namespace,
			Labels:    Labels(sim, v.Component),
			Annotations: map[string]string{
				AnnotationRestoredFrom:     backup,
				AnnotationRestoredSnapshot: snapshot,
			},
		},
		Spec: spec,
	}
}

// storeStorage is the storage spec of a managed store.
func storeStorage(sim *v1alpha1.CharacterSimulation, component string) *v1alpha1.StorageSpec {
	switch component {
	case ComponentPostgres:
		return sim.Spec.Postgres.Storage
	case ComponentQdrant:
		return sim.Spec.Qdrant.Storage
	case ComponentRedis:
		return sim.Spec.Redis.Storage
	}
	return nil
}

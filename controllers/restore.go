package controllers

import (
	"context"
	"fmt"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// restoreBackupIndex indexes simulations by spec.restore.backupName.
const restoreBackupIndex = "spec.restore.backupName"

// restoreResult is what the restore step leaves for the rest of the reconcile.
type restoreResult struct {
	// hold are the StatefulSets not to apply yet (see resources.RestorePlan).
	hold map[string]bool
	// holdSecrets are the generated Secrets not to create yet: while the
	// PostgreSQL volume waits for its restore, so does its password, which
	// must be the one in the backup.
	holdSecrets map[string]bool
	// condition is the Restored condition; nil without spec.restore.
	condition *metav1.Condition
}

// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;create
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create
// +kubebuilder:rbac:groups=snapshot.storage.k8s.io,resources=volumesnapshots,verbs=get

// restoreVolumes pre-creates the volume claims of a simulation with
// spec.restore from its backup's snapshots, before any StatefulSet of the
// stores exists, and holds back the StatefulSets whose claims it cannot
// create: a StatefulSet would create them empty. It runs before the
// credentials are generated: the restored database's password comes from
// the backup.
func (r *CharacterSimulationReconciler) restoreVolumes(ctx context.Context, sim *v1alpha1.CharacterSimulation) (restoreResult, error) {
	if sim.Spec.Restore == nil {
		return restoreResult{}, nil
	}
	in := resources.RestoreInput{Claims: map[string]*corev1.PersistentVolumeClaim{}}
	for _, v := range resources.DataVolumes(sim) {
		name := resources.DataClaimName(v.StatefulSet)
		claim, err := getOptional(ctx, r.APIReader, sim.Namespace, name, &corev1.PersistentVolumeClaim{})
		if err != nil {
			return restoreResult{}, err
		}
		if claim != nil {
			in.Claims[name] = claim
		}
	}
	if resources.NeedsBackup(sim, in.Claims) {
		if err := r.readBackup(ctx, sim, &in); err != nil {
			return restoreResult{}, err
		}
	}
	plan := resources.PlanRestore(sim, in)
	for _, secret := range plan.Secrets {
		err := r.Create(ctx, secret, client.FieldOwner(FieldOwner))
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return restoreResult{}, fmt.Errorf("create Secret %s with the restored database's password: %w", secret.Name, err)
		}
		r.Recorder.Eventf(sim, nil, corev1.EventTypeNormal, "Restoring", "Restore",
			"Created Secret %s with the PostgreSQL password of backup %s", secret.Name, sim.Spec.Restore.BackupName)
	}
	for _, claim := range plan.Create {
		err := r.Create(ctx, claim, client.FieldOwner(FieldOwner))
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return restoreResult{}, fmt.Errorf("create volume claim %s from VolumeSnapshot %s: %w", claim.Name, claim.Spec.DataSource.Name, err)
		}
		logf.FromContext(ctx).Info("Restoring volume", "claim", claim.Name, "snapshot", claim.Spec.DataSource.Name, "backup", sim.Spec.Restore.BackupName)
		r.Recorder.Eventf(sim, nil, corev1.EventTypeNormal, "Restoring", "Restore",
			"Creating volume claim %s from VolumeSnapshot %s of backup %s", claim.Name, claim.Spec.DataSource.Name, sim.Spec.Restore.BackupName)
	}
	if c := plan.Condition; c.Status == metav1.ConditionFalse {
		// Once per refusal, not on every reconcile while it lasts.
		if old := meta.FindStatusCondition(sim.Status.Conditions, c.Type); old == nil || old.Reason != c.Reason || old.Message != c.Message {
			r.Recorder.Eventf(sim, nil, corev1.EventTypeWarning, c.Reason, "Restore", "Restore refused: %s", c.Message)
		}
	}
	return restoreResult{
		hold:        plan.Hold,
		holdSecrets: map[string]bool{resources.PostgresCredentialsName(sim.Name): plan.Hold[resources.PostgresName(sim.Name)]},
		condition:   &plan.Condition,
	}, nil
}

// readBackup reads the backup, the snapshots it names and the PostgreSQL
// credentials, old and new. They are read once per restore, straight from
// the API server: group snapshot members carry no label the manager's cache
// selects.
func (r *CharacterSimulationReconciler) readBackup(ctx context.Context, sim *v1alpha1.CharacterSimulation, in *resources.RestoreInput) error {
	var err error
	in.Backup, err = getOptional(ctx, r.APIReader, sim.Namespace, sim.Spec.Restore.BackupName, &v1alpha1.SimulationBackup{})
	if err != nil || in.Backup == nil {
		return err
	}
	if in.BackupCredentials, err = getOptional(ctx, r.APIReader, sim.Namespace, resources.BackupCredentialsName(in.Backup.Name), &corev1.Secret{}); err != nil {
		return err
	}
	if in.Credentials, err = getOptional(ctx, r.APIReader, sim.Namespace, resources.PostgresCredentialsName(sim.Name), &corev1.Secret{}); err != nil {
		return err
	}
	in.Snapshots = map[string]*snapshotv1.VolumeSnapshot{}
	for _, s := range in.Backup.Status.Snapshots {
		if s.VolumeSnapshotName == "" {
			continue
		}
		snap, err := getOptional(ctx, r.APIReader, sim.Namespace, s.VolumeSnapshotName, &snapshotv1.VolumeSnapshot{})
		if err != nil {
			return err
		}
		if snap != nil {
			in.Snapshots[snap.Name] = snap
		}
	}
	return nil
}

// restoringFrom are the index values of a simulation: the backup it restores.
func restoringFrom(obj client.Object) []string {
	sim, ok := obj.(*v1alpha1.CharacterSimulation)
	if !ok || sim.Spec.Restore == nil {
		return nil
	}
	return []string{sim.Spec.Restore.BackupName}
}

// simulationsRestoring maps a backup to the simulations restoring from it,
// so a restore waiting for its backup to complete goes ahead when it does.
func (r *CharacterSimulationReconciler) simulationsRestoring(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &v1alpha1.CharacterSimulationList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{restoreBackupIndex: obj.GetName()}); err != nil {
		logf.FromContext(ctx).Error(err, "List simulations restoring from a backup", "backup", obj.GetName())
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, sim := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&sim)})
	}
	return out
}

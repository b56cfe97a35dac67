package controllers

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// The scheduled backup's CronJob, and the Role and RoleBinding of its
// ServiceAccount. The operator can only grant the Role because it holds the
// same permissions itself (create/get/list/watch on simulationbackups, get
// on charactersimulations); it needs no escalate or bind verb.
// +kubebuilder:rbac:groups=batch,resources=cronjobs,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=simulationbackups,verbs=get;list;watch;create

// observeBackup reads what the BackupScheduled and Restored conditions are
// computed from.
func (r *CharacterSimulationReconciler) observeBackup(ctx context.Context, sim *v1alpha1.CharacterSimulation,
	applied map[childKey]resources.Object, restore restoreResult) (resources.BackupObservation, error) {
	obs := resources.BackupObservation{Restored: restore.condition}
	if sim.Spec.Backup == nil {
		return obs, nil
	}
	// The cache holds CronJobs as metadata only (see childKinds).
	cronJob := &metav1.PartialObjectMetadata{}
	cronJob.SetGroupVersionKind(batchv1.SchemeGroupVersion.WithKind("CronJob"))
	found, err := observeOne(ctx, r.Client, applied, "CronJob", sim.Namespace, resources.BackupName(sim.Name), cronJob)
	if err != nil {
		return obs, err
	}
	obs.CronJobExists = found != nil
	if sim.Spec.Backup.Method == v1alpha1.BackupMethodVolumeGroupSnapshot {
		if obs.GroupSnapshotsServed, err = r.apis.serves(volumeGroupSnapshotAPI); err != nil {
			return obs, err
		}
	}
	return obs, nil
}

// setupBackups prepares the backup and restore parts of the reconciler and
// adds their watch: a backup's progress wakes the simulations restoring
// from it.
func (r *CharacterSimulationReconciler) setupBackups(mgr ctrl.Manager, b *builder.Builder) (*builder.Builder, error) {
	apis, err := newAPIDiscovery(mgr.GetConfig())
	if err != nil {
		return nil, err
	}
	r.apis = apis
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.CharacterSimulation{}, restoreBackupIndex, restoringFrom); err != nil {
		return nil, fmt.Errorf("index simulations by the backup they restore: %w", err)
	}
	return b.Watches(&v1alpha1.SimulationBackup{}, handler.EnqueueRequestsFromMapFunc(r.simulationsRestoring),
		builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})), nil
}

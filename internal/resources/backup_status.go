package resources

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// BackupScheduled condition reasons.
const (
	ReasonScheduled                      = "Scheduled"
	ReasonInvalidSchedule                = "InvalidSchedule"
	ReasonNoVolumes                      = "NoVolumes"
	ReasonVolumeGroupSnapshotUnsupported = "VolumeGroupSnapshotUnsupported"
)

// BackupObservation is what the reconciler found about the simulation's
// backups and restore.
type BackupObservation struct {
	// CronJobExists reports whether the backup CronJob exists.
	CronJobExists bool
	// GroupSnapshotsServed reports whether the cluster serves the
	// VolumeGroupSnapshot API; only looked up for method VolumeGroupSnapshot.
	GroupSnapshotsServed bool
	// Restored is the Restored condition; nil without spec.restore.
	Restored *metav1.Condition
}

// backupConditions sets BackupScheduled from spec.backup and the CronJob,
// and Restored from the restore step, or removes them when the spec does
// not ask for them. LastBackupSucceeded belongs to the backup controller.
func backupConditions(status *v1alpha1.CharacterSimulationStatus, sim *v1alpha1.CharacterSimulation, obs BackupObservation, now metav1.Time) {
	set := func(c metav1.Condition) {
		c.ObservedGeneration = sim.Generation
		c.LastTransitionTime = now
		meta.SetStatusCondition(&status.Conditions, c)
	}
	if c := backupScheduledCondition(sim, obs); c != nil {
		set(*c)
	} else {
		meta.RemoveStatusCondition(&status.Conditions, v1alpha1.ConditionBackupScheduled)
	}
	if obs.Restored != nil {
		set(*obs.Restored)
	} else {
		meta.RemoveStatusCondition(&status.Conditions, v1alpha1.ConditionRestored)
	}
}

func backupScheduledCondition(sim *v1alpha1.CharacterSimulation, obs BackupObservation) *metav1.Condition {
	b := sim.Spec.Backup
	if b == nil {
		return nil
	}
	typ := v1alpha1.ConditionBackupScheduled
	var c metav1.Condition
	switch err := ValidateSchedule(b.Schedule); {
	case err != nil:
		c = condition(typ, metav1.ConditionFalse, ReasonInvalidSchedule, err.Error())
	case len(DataVolumes(sim)) == 0:
		c = condition(typ, metav1.ConditionFalse, ReasonNoVolumes, "every store is external or disabled: there is no volume to snapshot")
	case b.Method == v1alpha1.BackupMethodVolumeGroupSnapshot && !obs.GroupSnapshotsServed:
		c = condition(typ, metav1.ConditionFalse, ReasonVolumeGroupSnapshotUnsupported,
			"spec.backup.method is VolumeGroupSnapshot but the cluster does not serve groupsnapshot.storage.k8s.io/v1: "+
				"install the CSI group snapshot CRDs and controller, or use method VolumeSnapshot")
	case !obs.CronJobExists:
		c = condition(typ, metav1.ConditionFalse, ReasonCreating, "CronJob "+BackupName(sim.Name)+" not created yet")
	case b.Suspend:
		c = condition(typ, metav1.ConditionFalse, ReasonSuspended, "spec.backup.suspend is true: CronJob "+BackupName(sim.Name)+" is suspended")
	default:
		c = condition(typ, metav1.ConditionTrue, ReasonScheduled,
			fmt.Sprintf("CronJob %s backs up on schedule %q", BackupName(sim.Name), b.Schedule))
	}
	return &c
}

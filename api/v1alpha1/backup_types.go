package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackupSpec schedules VolumeSnapshot backups of the simulation's managed
// stores: a CronJob runs `charsimctl backup create` on the schedule, which
// creates a SimulationBackup and waits for it.
//
// +kubebuilder:validation:XValidation:rule="!has(self.volumeGroupSnapshotClassName) || self.method == 'VolumeGroupSnapshot'",message="backup.volumeGroupSnapshotClassName is only allowed when backup.method is VolumeGroupSnapshot"
type BackupSpec struct {
	// Schedule is a cron expression in the controller manager's time zone:
	// five space-separated fields (minute hour day-of-month month
	// day-of-week), each *, a value, a range (1-5), a list (1,15) or a step
	// (*/15), or one of @yearly, @annually, @monthly, @weekly, @daily,
	// @midnight, @hourly.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') ? self in ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] : self.split(' ').size() == 5",message="schedule must be five space-separated cron fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') || self.split(' ').size() != 5 || self.split(' ')[0].matches('^([*?]|[0-5]?[0-9](-[0-5]?[0-9])?)(/0*[1-9][0-9]?)?(,([*?]|[0-5]?[0-9](-[0-5]?[0-9])?)(/0*[1-9][0-9]?)?)*$')",message="schedule: the minute field must be *, 0-59, a range, a list or a step such as */15"
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') || self.split(' ').size() != 5 || self.split(' ')[1].matches('^([*?]|([01]?[0-9]|2[0-3])(-([01]?[0-9]|2[0-3]))?)(/0*[1-9][0-9]?)?(,([*?]|([01]?[0-9]|2[0-3])(-([01]?[0-9]|2[0-3]))?)(/0*[1-9][0-9]?)?)*$')",message="schedule: the hour field must be *, 0-23, a range, a list or a step such as */6"
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') || self.split(' ').size() != 5 || self.split(' ')[2].matches('^([*?]|(0?[1-9]|[12][0-9]|3[01])(-(0?[1-9]|[12][0-9]|3[01]))?)(/0*[1-9][0-9]?)?(,([*?]|(0?[1-9]|[12][0-9]|3[01])(-(0?[1-9]|[12][0-9]|3[01]))?)(/0*[1-9][0-9]?)?)*$')",message="schedule: the day-of-month field must be *, 1-31, a range, a list or a step"
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') || self.split(' ').size() != 5 || self.split(' ')[3].matches('^([*?]|(0?[1-9]|1[0-2]|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))(-(0?[1-9]|1[0-2]|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)))?)(/0*[1-9][0-9]?)?(,([*?]|(0?[1-9]|1[0-2]|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))(-(0?[1-9]|1[0-2]|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)))?)(/0*[1-9][0-9]?)?)*$')",message="schedule: the month field must be *, 1-12 or jan-dec, a range, a list or a step"
	// +kubebuilder:validation:XValidation:rule="self.startsWith('@') || self.split(' ').size() != 5 || self.split(' ')[4].matches('^([*?]|([0-6]|(?i:sun|mon|tue|wed|thu|fri|sat))(-([0-6]|(?i:sun|mon|tue|wed|thu|fri|sat)))?)(/0*[1-9][0-9]?)?(,([*?]|([0-6]|(?i:sun|mon|tue|wed|thu|fri|sat))(-([0-6]|(?i:sun|mon|tue|wed|thu|fri|sat)))?)(/0*[1-9][0-9]?)?)*$')",message="schedule: the day-of-week field must be *, 0-6 or sun-sat, a range, a list or a step"
	// +required
	Schedule string `json:"schedule"`

	// Suspend stops scheduled backups; backups by hand still work.
	// +kubebuilder:default=false
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// VolumeSnapshotClassName is the class of the snapshots; the cluster's
	// default VolumeSnapshotClass when empty.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	VolumeSnapshotClassName *string `json:"volumeSnapshotClassName,omitempty"`

	// VolumeGroupSnapshotClassName is the class of the group snapshot when
	// method is VolumeGroupSnapshot; the cluster's default when empty.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	VolumeGroupSnapshotClassName *string `json:"volumeGroupSnapshotClassName,omitempty"`

	// Retention prunes old backups.
	// +kubebuilder:default={keepLast:7}
	// +optional
	Retention RetentionSpec `json:"retention"`

	// Deadline is how long a backup may take, from its start until every
	// snapshot is ready to use, between 10s and 24h. Transient snapshot
	// errors are retried until then; past it the backup is Failed.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('10s') && duration(self) <= duration('24h')",message="backup.deadline must be a duration between 10s and 24h, e.g. 10m"
	// +optional
	Deadline *metav1.Duration `json:"deadline,omitempty"`

	// Method is VolumeSnapshot (one snapshot per volume) or
	// VolumeGroupSnapshot (one crash-consistent point across every volume
	// of the stack; the cluster must serve groupsnapshot.storage.k8s.io/v1
	// and the CSI driver must support group snapshots).
	// +kubebuilder:default=VolumeSnapshot
	// +optional
	Method BackupMethod `json:"method,omitempty"`

	// SnapshotDeletionPolicy says what happens to the simulation's backups
	// (and so their snapshots) when the simulation is deleted: Retain keeps
	// them, for a restore into a new simulation; Delete deletes them with it.
	// +kubebuilder:default=Retain
	// +optional
	SnapshotDeletionPolicy SnapshotDeletionPolicy `json:"snapshotDeletionPolicy,omitempty"`
}

// RetentionSpec says how many backups to keep.
type RetentionSpec struct {
	// KeepLast is how many finished (Completed or Failed) backups of the
	// simulation to keep, 1 to 1000; older ones are deleted with their
	// snapshots. The newest Completed backup is always kept. Backups still
	// running are never pruned.
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	KeepLast *int32 `json:"keepLast,omitempty"`
}

// BackupMethod is how the volumes are snapshotted.
// +kubebuilder:validation:Enum=VolumeSnapshot;VolumeGroupSnapshot
type BackupMethod string

// Backup methods.
const (
	BackupMethodVolumeSnapshot      BackupMethod = "VolumeSnapshot"
	BackupMethodVolumeGroupSnapshot BackupMethod = "VolumeGroupSnapshot"
)

// SnapshotDeletionPolicy is what deleting the simulation does to its backups.
// +kubebuilder:validation:Enum=Retain;Delete
type SnapshotDeletionPolicy string

// Snapshot deletion policies.
const (
	SnapshotDeletionRetain SnapshotDeletionPolicy = "Retain"
	SnapshotDeletionDelete SnapshotDeletionPolicy = "Delete"
)

// Backup defaults, for simulations without spec.backup (a backup by hand)
// and objects the API server did not default.
const (
	DefaultBackupDeadline = "10m"
	DefaultKeepLast       = 7
)

// RestoreSpec makes a new simulation start from a backup: its volumes are
// created from the backup's snapshots before the stores start.
type RestoreSpec struct {
	// BackupName is a Completed SimulationBackup in the simulation's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	BackupName string `json:"backupName"`
}

// ConditionRestored says whether the volumes of a simulation with
// spec.restore were created from the backup.
const ConditionRestored = "Restored"

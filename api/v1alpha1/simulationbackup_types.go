package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SimulationBackupSpec names the simulation to back up.
type SimulationBackupSpec struct {
	// SimulationName is the CharacterSimulation, in the backup's namespace,
	// whose managed store volumes are snapshotted. Immutable.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="simulationName is immutable"
	// +required
	SimulationName string `json:"simulationName"`
}

// BackupPhase is where a backup is in its life: Pending → Running →
// Completed | Failed.
// +kubebuilder:validation:Enum=Pending;Running;Completed;Failed
type BackupPhase string

// Backup phases.
const (
	BackupPending   BackupPhase = "Pending"
	BackupRunning   BackupPhase = "Running"
	BackupCompleted BackupPhase = "Completed"
	BackupFailed    BackupPhase = "Failed"
)

// Finished reports whether the phase is final.
func (p BackupPhase) Finished() bool {
	return p == BackupCompleted || p == BackupFailed
}

// ConditionSucceeded is a SimulationBackup's one condition: Unknown while it
// runs (the reason says what it waits for), True once Completed, False once
// Failed (the reason and message say why).
const ConditionSucceeded = "Succeeded"

// SimulationBackupStatus is the observed state of a backup.
type SimulationBackupStatus struct {
	// Phase is Pending, Running, Completed or Failed.
	// +optional
	Phase BackupPhase `json:"phase,omitempty"`
	// Method the snapshots were taken with.
	// +optional
	Method BackupMethod `json:"method,omitempty"`
	// StartTime is when the snapshots were requested.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// Deadline is when the backup fails unless every snapshot is ready.
	// +optional
	Deadline *metav1.Time `json:"deadline,omitempty"`
	// CompletionTime is when the backup finished, Completed or Failed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// VolumeGroupSnapshotName is the group snapshot when method is
	// VolumeGroupSnapshot.
	// +optional
	VolumeGroupSnapshotName string `json:"volumeGroupSnapshotName,omitempty"`
	// Snapshots are the snapshot of each store's volume.
	// +listType=map
	// +listMapKey=component
	// +optional
	Snapshots []ComponentSnapshot `json:"snapshots,omitempty"`
	// Conditions: Succeeded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ComponentSnapshot is the snapshot of one store's volume.
type ComponentSnapshot struct {
	// Component is the store: postgres, qdrant or redis.
	Component string `json:"component"`
	// PersistentVolumeClaimName is the snapshotted volume claim.
	PersistentVolumeClaimName string `json:"persistentVolumeClaimName"`
	// VolumeSnapshotName is the snapshot; empty until a group snapshot has
	// created its member snapshots.
	// +optional
	VolumeSnapshotName string `json:"volumeSnapshotName,omitempty"`
	// ReadyToUse is true once the snapshot can be restored.
	// +optional
	ReadyToUse bool `json:"readyToUse,omitempty"`
	// Size is the smallest volume the snapshot restores into: the
	// snapshot's restoreSize, or the source claim's size when the CSI
	// driver reports none.
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`
}

// SimulationBackup is one backup of a CharacterSimulation: a VolumeSnapshot
// of each managed store's volume (or one VolumeGroupSnapshot of them all).
// Deleting it deletes its snapshots.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=simbackup,categories=charsim-all
// +kubebuilder:printcolumn:name="Simulation",type=string,JSONPath=`.spec.simulationName`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Succeeded")].reason`
// +kubebuilder:printcolumn:name="Started",type=date,JSONPath=`.status.startTime`
// +kubebuilder:printcolumn:name="Completed",type=date,JSONPath=`.status.completionTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="metadata.name must be at most 63 characters: it labels the backup's snapshots"
type SimulationBackup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec SimulationBackupSpec `json:"spec"`
	// +optional
	Status SimulationBackupStatus `json:"status,omitempty"`
}

// SimulationBackupList is a list of SimulationBackups.
//
// +kubebuilder:object:root=true
type SimulationBackupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SimulationBackup `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SimulationBackup{}, &SimulationBackupList{})
}

package backup

import (
	"fmt"
	"strings"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Reasons of a backup's Succeeded condition.
const (
	// While running (condition Unknown).
	ReasonPending           = "Pending"
	ReasonSnapshotsNotReady = "SnapshotsNotReady"
	ReasonRetryingErrors    = "RetryingSnapshotErrors"
	// Completed (True).
	ReasonCompleted = "Completed"
	// Failed (False).
	ReasonDeadlineExceeded          = "DeadlineExceeded"
	ReasonSnapshotFailed            = "SnapshotFailed"
	ReasonSnapshotLost              = "SnapshotLost"
	ReasonSimulationNotFound        = "SimulationNotFound"
	ReasonNoVolumes                 = "NoVolumes"
	ReasonVolumeNotFound            = "VolumeNotFound"
	ReasonCredentialsNotFound       = "CredentialsNotFound"
	ReasonSnapshotNameTaken         = "SnapshotNameTaken"
	ReasonSnapshotAPIUnavailable    = "VolumeSnapshotUnsupported"
	ReasonGroupSnapshotsUnsupported = "VolumeGroupSnapshotUnsupported"
)

// Observed is what the controller found of a running backup's snapshots.
type Observed struct {
	// Snapshots are the backup's VolumeSnapshots by name: those labelled
	// with the backup, or for a group snapshot, its member snapshots.
	Snapshots map[string]*snapshotv1.VolumeSnapshot
	// Group is the backup's VolumeGroupSnapshot, for method
	// VolumeGroupSnapshot; nil when it does not exist.
	Group *groupsnapshotv1.VolumeGroupSnapshot
}

// Progress is how far a running backup has got.
type Progress struct {
	// Phase is Running until every snapshot is ready (Completed), one is
	// lost, or the deadline passes (Failed).
	Phase v1alpha1.BackupPhase
	// Reason and Message explain the phase, for the Succeeded condition.
	Reason, Message string
	// Snapshots are the status' records updated from the snapshots.
	Snapshots []v1alpha1.ComponentSnapshot
}

// snapshotState is one snapshot's part in the verdict.
type snapshotState int

const (
	stateWaiting snapshotState = iota
	stateReady
	stateError
	stateLost
)

// Evaluate decides a running backup's progress from its snapshots. Snapshot
// errors are transient: the CSI snapshotter retries them itself, so they
// fail the backup only when still there at the deadline. A snapshot that
// disappears fails it at once: nothing brings it back.
func Evaluate(status v1alpha1.SimulationBackupStatus, obs Observed, now time.Time) Progress {
	group := status.Method == v1alpha1.BackupMethodVolumeGroupSnapshot
	records := make([]v1alpha1.ComponentSnapshot, len(status.Snapshots))
	var waiting, failing, lost []string
	if group {
		switch g := obs.Group; {
		case g == nil:
			lost = append(lost, fmt.Sprintf("VolumeGroupSnapshot %s no longer exists", status.VolumeGroupSnapshotName))
		case !g.DeletionTimestamp.IsZero():
			lost = append(lost, fmt.Sprintf("VolumeGroupSnapshot %s is being deleted", g.Name))
		case g.Status != nil && g.Status.Error != nil && !ptr.Deref(g.Status.ReadyToUse, false):
			failing = append(failing, fmt.Sprintf("group snapshot: %s", errorMessage(g.Status.Error)))
		case g.Status == nil || !ptr.Deref(g.Status.ReadyToUse, false):
			waiting = append(waiting, "group snapshot: not ready")
		}
	}
	members := membersByClaim(obs.Snapshots)
	for i, rec := range status.Snapshots {
		if group && len(lost) == 0 {
			if m := members[rec.PersistentVolumeClaimName]; m != nil {
				rec.VolumeSnapshotName = m.Name
			}
		}
		state, detail := snapshotStatus(rec, obs.Snapshots, group)
		switch state {
		case stateReady:
			snap := obs.Snapshots[rec.VolumeSnapshotName]
			rec.ReadyToUse = true
			rec.Size = restorableSize(rec.Size, snap)
		case stateWaiting:
			waiting = append(waiting, rec.Component+": "+detail)
		case stateError:
			failing = append(failing, rec.Component+": "+detail)
		case stateLost:
			lost = append(lost, rec.Component+": "+detail)
		}
		records[i] = rec
	}

	p := Progress{Phase: v1alpha1.BackupRunning, Snapshots: records}
	notReady := len(waiting) + len(failing)
	switch {
	case len(lost) > 0:
		p.Phase, p.Reason, p.Message = v1alpha1.BackupFailed, ReasonSnapshotLost, strings.Join(lost, "; ")
	case notReady == 0:
		p.Phase, p.Reason, p.Message = v1alpha1.BackupCompleted, ReasonCompleted,
			fmt.Sprintf("%d snapshot(s) ready to use", len(records))
	case status.Deadline != nil && !now.Before(status.Deadline.Time):
		p.Phase, p.Reason = v1alpha1.BackupFailed, ReasonDeadlineExceeded
		if len(failing) > 0 {
			p.Reason = ReasonSnapshotFailed
		}
		p.Message = fmt.Sprintf("deadline %s passed before every snapshot was ready: %s",
			status.Deadline.UTC().Format(time.RFC3339), strings.Join(append(failing, waiting...), "; "))
	case len(failing) > 0:
		p.Reason = ReasonRetryingErrors
		p.Message = "snapshot errors are retried until the deadline: " + strings.Join(append(failing, waiting...), "; ")
	default:
		p.Reason = ReasonSnapshotsNotReady
		p.Message = "waiting for " + strings.Join(waiting, "; ")
	}
	return p
}

// snapshotStatus is one record's snapshot state and what to say about it.
func snapshotStatus(rec v1alpha1.ComponentSnapshot, snapshots map[string]*snapshotv1.VolumeSnapshot, group bool) (snapshotState, string) {
	if rec.VolumeSnapshotName == "" {
		// A group snapshot's members appear once the group is cut.
		return stateWaiting, "member snapshot not created yet"
	}
	snap := snapshots[rec.VolumeSnapshotName]
	switch {
	case snap == nil && group:
		return stateLost, fmt.Sprintf("member VolumeSnapshot %s no longer exists", rec.VolumeSnapshotName)
	case snap == nil:
		return stateLost, fmt.Sprintf("VolumeSnapshot %s no longer exists", rec.VolumeSnapshotName)
	case !snap.DeletionTimestamp.IsZero():
		return stateLost, fmt.Sprintf("VolumeSnapshot %s is being deleted", snap.Name)
	case snap.Status != nil && ptr.Deref(snap.Status.ReadyToUse, false):
		return stateReady, ""
	case snap.Status != nil && snap.Status.Error != nil:
		return stateError, fmt.Sprintf("VolumeSnapshot %s: %s", snap.Name, errorMessage(snap.Status.Error))
	}
	return stateWaiting, fmt.Sprintf("VolumeSnapshot %s not ready", snap.Name)
}

// membersByClaim indexes snapshots by the claim they snapshot.
func membersByClaim(snapshots map[string]*snapshotv1.VolumeSnapshot) map[string]*snapshotv1.VolumeSnapshot {
	out := map[string]*snapshotv1.VolumeSnapshot{}
	for _, s := range snapshots {
		if claim := ptr.Deref(s.Spec.Source.PersistentVolumeClaimName, ""); claim != "" {
			out[claim] = s
		}
	}
	return out
}

func errorMessage(e *snapshotv1.VolumeSnapshotError) string {
	if m := ptr.Deref(e.Message, ""); m != "" {
		return m
	}
	return "error without a message"
}

package backup

import (
	"strings"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

var (
	started  = time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	deadline = started.Add(10 * time.Minute)
)

// running is the status of a backup of postgres and qdrant that just started.
func running(method v1alpha1.BackupMethod) v1alpha1.SimulationBackupStatus {
	s := v1alpha1.SimulationBackupStatus{
		Phase: v1alpha1.BackupRunning, Method: method,
		StartTime: &metav1.Time{Time: started}, Deadline: &metav1.Time{Time: deadline},
	}
	for _, c := range []string{"postgres", "qdrant"} {
		rec := v1alpha1.ComponentSnapshot{Component: c, PersistentVolumeClaimName: "data-tavern-" + c + "-0", Size: ptr.To(resource.MustParse("10Gi"))}
		if method == v1alpha1.BackupMethodVolumeSnapshot {
			rec.VolumeSnapshotName = "b1-" + c
		}
		s.Snapshots = append(s.Snapshots, rec)
	}
	if method == v1alpha1.BackupMethodVolumeGroupSnapshot {
		s.VolumeGroupSnapshotName = "b1"
	}
	return s
}

type snapshotOption func(*snapshotv1.VolumeSnapshot)

func ready(size string) snapshotOption {
	return func(s *snapshotv1.VolumeSnapshot) {
		s.Status = &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(true), RestoreSize: ptr.To(resource.MustParse(size))}
	}
}

func failing(msg string) snapshotOption {
	return func(s *snapshotv1.VolumeSnapshot) {
		s.Status = &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(false), Error: &snapshotv1.VolumeSnapshotError{Message: ptr.To(msg)}}
	}
}

func snapshots(specs map[string]snapshotOption) map[string]*snapshotv1.VolumeSnapshot {
	out := map[string]*snapshotv1.VolumeSnapshot{}
	for name, opt := range specs {
		component := name[strings.LastIndex(name, "-")+1:]
		s := &snapshotv1.VolumeSnapshot{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("data-tavern-" + component + "-0")}},
		}
		if opt != nil {
			opt(s)
		}
		out[name] = s
	}
	return out
}

func TestEvaluate(t *testing.T) {
	before, after := deadline.Add(-time.Second), deadline
	cases := []struct {
		name        string
		snaps       map[string]snapshotOption
		now         time.Time
		wantPhase   v1alpha1.BackupPhase
		wantReason  string
		wantMessage string
	}{
		{"just created", map[string]snapshotOption{"b1-postgres": nil, "b1-qdrant": nil}, started, v1alpha1.BackupRunning, ReasonSnapshotsNotReady, "postgres: VolumeSnapshot b1-postgres not ready"},
		{"one ready", map[string]snapshotOption{"b1-postgres": ready("10Gi"), "b1-qdrant": nil}, before, v1alpha1.BackupRunning, ReasonSnapshotsNotReady, "waiting for qdrant"},
		{"transient error before the deadline", map[string]snapshotOption{"b1-postgres": ready("10Gi"), "b1-qdrant": failing("rpc error: Unavailable")}, before, v1alpha1.BackupRunning, ReasonRetryingErrors, "qdrant: VolumeSnapshot b1-qdrant: rpc error: Unavailable"},
		{"all ready", map[string]snapshotOption{"b1-postgres": ready("10Gi"), "b1-qdrant": ready("0")}, before, v1alpha1.BackupCompleted, ReasonCompleted, "2 snapshot(s) ready"},
		{"all ready at the deadline", map[string]snapshotOption{"b1-postgres": ready("10Gi"), "b1-qdrant": ready("0")}, after.Add(time.Hour), v1alpha1.BackupCompleted, ReasonCompleted, ""},
		{"error still there at the deadline", map[string]snapshotOption{"b1-postgres": ready("10Gi"), "b1-qdrant": failing("quota exceeded")}, after, v1alpha1.BackupFailed, ReasonSnapshotFailed, "qdrant: VolumeSnapshot b1-qdrant: quota exceeded"},
		{"stuck at the deadline", map[string]snapshotOption{"b1-postgres": nil, "b1-qdrant": ready("1Gi")}, after, v1alpha1.BackupFailed, ReasonDeadlineExceeded, "postgres: VolumeSnapshot b1-postgres not ready"},
		{"snapshot deleted", map[string]snapshotOption{"b1-postgres": ready("10Gi")}, started, v1alpha1.BackupFailed, ReasonSnapshotLost, "qdrant: VolumeSnapshot b1-qdrant no longer exists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Evaluate(running(v1alpha1.BackupMethodVolumeSnapshot), Observed{Snapshots: snapshots(tc.snaps)}, tc.now)
			if p.Phase != tc.wantPhase || p.Reason != tc.wantReason || !strings.Contains(p.Message, tc.wantMessage) {
				t.Errorf("got %s/%s %q, want %s/%s containing %q", p.Phase, p.Reason, p.Message, tc.wantPhase, tc.wantReason, tc.wantMessage)
			}
		})
	}
}

func TestEvaluateRecordsSizes(t *testing.T) {
	p := Evaluate(running(v1alpha1.BackupMethodVolumeSnapshot), Observed{Snapshots: snapshots(map[string]snapshotOption{
		"b1-postgres": ready("12Gi"), "b1-qdrant": ready("0"),
	})}, started)
	got := map[string]string{}
	for _, s := range p.Snapshots {
		if !s.ReadyToUse {
			t.Errorf("%s not marked ready", s.Component)
		}
		got[s.Component] = s.Size.String()
	}
	// The driver's restoreSize when it reports one; the claim's size when 0 (unknown).
	if got["postgres"] != "12Gi" || got["qdrant"] != "10Gi" {
		t.Errorf("sizes = %v, want postgres 12Gi (restoreSize) and qdrant 10Gi (the claim's)", got)
	}
}

func TestEvaluateGroupSnapshot(t *testing.T) {
	status := running(v1alpha1.BackupMethodVolumeGroupSnapshot)
	group := func(opts ...func(*groupsnapshotv1.VolumeGroupSnapshot)) *groupsnapshotv1.VolumeGroupSnapshot {
		g := &groupsnapshotv1.VolumeGroupSnapshot{ObjectMeta: metav1.ObjectMeta{Name: "b1"}}
		for _, o := range opts {
			o(g)
		}
		return g
	}
	groupReady := func(g *groupsnapshotv1.VolumeGroupSnapshot) {
		g.Status = &groupsnapshotv1.VolumeGroupSnapshotStatus{ReadyToUse: ptr.To(true)}
	}
	groupError := func(g *groupsnapshotv1.VolumeGroupSnapshot) {
		g.Status = &groupsnapshotv1.VolumeGroupSnapshotStatus{Error: &snapshotv1.VolumeSnapshotError{Message: ptr.To("driver busy")}}
	}
	members := snapshots(map[string]snapshotOption{"snapshot-1a2b-postgres": ready("10Gi"), "snapshot-3c4d-qdrant": ready("10Gi")})
	cases := []struct {
		name       string
		obs        Observed
		now        time.Time
		wantPhase  v1alpha1.BackupPhase
		wantReason string
	}{
		{"group not cut yet", Observed{Group: group()}, started, v1alpha1.BackupRunning, ReasonSnapshotsNotReady},
		{"group error", Observed{Group: group(groupError)}, started, v1alpha1.BackupRunning, ReasonRetryingErrors},
		{"group error at the deadline", Observed{Group: group(groupError)}, deadline, v1alpha1.BackupFailed, ReasonSnapshotFailed},
		{"group ready, members ready", Observed{Group: group(groupReady), Snapshots: members}, started, v1alpha1.BackupCompleted, ReasonCompleted},
		{"group gone", Observed{Snapshots: members}, started, v1alpha1.BackupFailed, ReasonSnapshotLost},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Evaluate(status, tc.obs, tc.now)
			if p.Phase != tc.wantPhase || p.Reason != tc.wantReason {
				t.Fatalf("got %s/%s %q, want %s/%s", p.Phase, p.Reason, p.Message, tc.wantPhase, tc.wantReason)
			}
			if p.Phase == v1alpha1.BackupCompleted {
				for _, s := range p.Snapshots {
					if want := members[s.VolumeSnapshotName]; want == nil || *want.Spec.Source.PersistentVolumeClaimName != s.PersistentVolumeClaimName {
						t.Errorf("%s recorded member %q, want the member snapshot of %s", s.Component, s.VolumeSnapshotName, s.PersistentVolumeClaimName)
					}
				}
			}
		})
	}
}

package ctl

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// The commands against a real API server (and the operator) are tested in
// controllers/backup_charsimctl_test.go; these need no cluster.

func TestBackupCreateRefusesBadArguments(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.kubeconfig")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"backup", "create"}, "--simulation: required"},
		{[]string{"backup", "create", "--simulation", "tavern", "--timeout", "0s"}, "--timeout: must be positive"},
		{[]string{"backup", "create", "--simulation", "tavern", "--timeout", "soon"}, `invalid argument "soon" for "--timeout"`},
		{[]string{"backup", "create", "--simulation", "tavern", "--kubeconfig", missing}, "--kubeconfig"},
		{[]string{"backup", "list", "--kubeconfig", missing}, "--kubeconfig"},
		{[]string{"backup", "describe"}, "accepts 1 arg(s), received 0"},
		{[]string{"backup", "delete"}, "requires at least 1 arg(s)"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := run(t, tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", r.err, tc.want)
			}
		})
	}
}

func testBackups() []v1alpha1.SimulationBackup {
	at := func(m int) *metav1.Time { return &metav1.Time{Time: time.Date(2025, 6, 1, 3, m, 0, 0, time.UTC)} }
	size := resource.MustParse("10Gi")
	return []v1alpha1.SimulationBackup{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "tavern-old", Namespace: "stories", CreationTimestamp: *at(0)},
			Spec:       v1alpha1.SimulationBackupSpec{SimulationName: "tavern"},
			Status: v1alpha1.SimulationBackupStatus{
				Phase: v1alpha1.BackupFailed, Method: v1alpha1.BackupMethodVolumeSnapshot, StartTime: at(0), CompletionTime: at(10),
				Conditions: []metav1.Condition{{Type: v1alpha1.ConditionSucceeded, Status: metav1.ConditionFalse, Reason: "DeadlineExceeded", Message: "qdrant not ready"}},
				Snapshots:  []v1alpha1.ComponentSnapshot{{Component: "qdrant", PersistentVolumeClaimName: "data-tavern-qdrant-0", VolumeSnapshotName: "tavern-old-qdrant"}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "tavern-new", Namespace: "stories", CreationTimestamp: *at(20)},
			Spec:       v1alpha1.SimulationBackupSpec{SimulationName: "tavern"},
			Status: v1alpha1.SimulationBackupStatus{
				Phase: v1alpha1.BackupCompleted, Method: v1alpha1.BackupMethodVolumeSnapshot, StartTime: at(20), CompletionTime: at(21),
				Conditions: []metav1.Condition{{Type: v1alpha1.ConditionSucceeded, Status: metav1.ConditionTrue, Reason: "Completed", Message: "1 snapshot(s) ready to use"}},
				Snapshots:  []v1alpha1.ComponentSnapshot{{Component: "qdrant", PersistentVolumeClaimName: "data-tavern-qdrant-0", VolumeSnapshotName: "tavern-new-qdrant", ReadyToUse: true, Size: &size}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "inn-1", Namespace: "stories", CreationTimestamp: *at(30)},
			Spec:       v1alpha1.SimulationBackupSpec{SimulationName: "inn"},
		},
	}
}

func TestPrintBackupList(t *testing.T) {
	var out bytes.Buffer
	printBackupList(&out, testBackups(), "tavern", false)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and two backups of tavern, got:\n%s", out.String())
	}
	for i, want := range [][]string{
		{"NAME", "SIMULATION", "PHASE", "REASON", "SNAPSHOTS", "STARTED", "COMPLETED"},
		{"tavern-new", "tavern", "Completed", "Completed", "1/1", "2025-06-01T03:20:00Z", "2025-06-01T03:21:00Z"},
		{"tavern-old", "tavern", "Failed", "DeadlineExceeded", "0/1", "2025-06-01T03:00:00Z", "2025-06-01T03:10:00Z"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d = %q, want %q", i, got, want)
		}
	}
	out.Reset()
	printBackupList(&out, testBackups(), "", true)
	if !strings.Contains(out.String(), "stories    inn-1") || !strings.Contains(out.String(), "Pending") {
		t.Errorf("all namespaces: want the namespace column and inn-1 Pending, got:\n%s", out.String())
	}
}

func TestPrintBackup(t *testing.T) {
	var out bytes.Buffer
	b := testBackups()[1]
	printBackup(&out, &b)
	for _, want := range []string{
		"Phase:       Completed",
		"Reason:      Completed: 1 snapshot(s) ready to use",
		"qdrant     data-tavern-qdrant-0  tavern-new-qdrant  true   10Gi",
		"restore: {backupName: tavern-new}",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe output lacks %q:\n%s", want, out.String())
		}
	}
}

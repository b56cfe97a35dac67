package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	charsimv1 "github.com/mojin/charsim/api/v1alpha1"
)

// scheduleCases are cron strings the CRD must accept (valid) or refuse, and
// the field its message names.
var scheduleCases = []struct {
	schedule  string
	wantError string // empty: valid
}{
	{"0 3 * * *", ""},
	{"*/15 * * * *", ""},
	{"0 */6 * * 1-5", ""},
	{"30 2 1,15 * *", ""},
	{"0 0 1 jan,jul *", ""},
	{"0 0 * * SUN", ""},
	{"0 0 ? * mon-fri", ""},
	{"5/10 0-23/2 1-31 1-12 0-6", ""},
	{"59 23 31 12 6", ""},
	{"@daily", ""},
	{"@hourly", ""},
	{"@midnight", ""},
	{"@annually", ""},
	{"", "spec.backup.schedule"},
	{"every day", "five space-separated cron fields"},
	{"* * * *", "five space-separated cron fields"},
	{"* * * * * *", "five space-separated cron fields"},
	{"@every 5m", "five space-separated cron fields"},
	{"@often", "five space-separated cron fields"},
	{"60 * * * *", "the minute field"},
	{"*/0 * * * *", "the minute field"},
	{"-1 * * * *", "the minute field"},
	{"0 24 * * *", "the hour field"},
	{"0 0 0 * *", "the day-of-month field"},
	{"0 0 32 * *", "the day-of-month field"},
	{"0 0 * 13 *", "the month field"},
	{"0 0 * foo *", "the month field"},
	{"0 0 * * 7", "the day-of-week field"},
	{"0 0 * * sunday", "the day-of-week field"},
	{"0 0 * * 1,", "the day-of-week field"},
	{"TZ=UTC 0 0 * * *", "five space-separated cron fields"},
}

func backupSimulation(t *testing.T, name, backupYAML string) *unstructured.Unstructured {
	t.Helper()
	return simulation(t, name, "backup:\n"+indent(backupYAML))
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

// TestBackupSchedulesAreValidated sends each schedule to the API server. A
// schedule the API server accepts must also parse with the cron library the
// CronJob controller uses, so the operator never builds a CronJob the API
// server would refuse.
func TestBackupSchedulesAreValidated(t *testing.T) {
	ctx := context.Background()
	for i, tc := range scheduleCases {
		t.Run(fmt.Sprintf("%q", tc.schedule), func(t *testing.T) {
			u := backupSimulation(t, fmt.Sprintf("schedule-%d", i), fmt.Sprintf("schedule: %q", tc.schedule))
			err := k8s.Create(ctx, u)
			if err == nil {
				t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
			}
			if tc.wantError == "" {
				if err != nil {
					t.Fatalf("valid schedule refused: %v", err)
				}
				if _, perr := cron.ParseStandard(tc.schedule); perr != nil {
					t.Fatalf("the API server accepted a schedule the cron parser refuses: %v", perr)
				}
				return
			}
			if err == nil {
				t.Fatalf("invalid schedule accepted")
			}
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.wantError) || !strings.Contains(err.Error(), "spec.backup.schedule") {
				t.Fatalf("want Invalid on spec.backup.schedule naming %q, got %v", tc.wantError, err)
			}
		})
	}
}

func TestBackupSpecIsDefaulted(t *testing.T) {
	ctx := context.Background()
	u := backupSimulation(t, "backup-defaults", `schedule: "0 3 * * *"`)
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
	var got charsimv1.CharacterSimulation
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &got); err != nil {
		t.Fatal(err)
	}
	b := got.Spec.Backup
	switch {
	case b.Method != charsimv1.BackupMethodVolumeSnapshot:
		t.Errorf("method = %q, want VolumeSnapshot", b.Method)
	case b.SnapshotDeletionPolicy != charsimv1.SnapshotDeletionRetain:
		t.Errorf("snapshotDeletionPolicy = %q, want Retain", b.SnapshotDeletionPolicy)
	case b.Deadline == nil || b.Deadline.Duration != 10*time.Minute:
		t.Errorf("deadline = %v, want 10m", b.Deadline)
	case b.Retention.KeepLast == nil || *b.Retention.KeepLast != charsimv1.DefaultKeepLast:
		t.Errorf("retention.keepLast = %v, want %d", b.Retention.KeepLast, charsimv1.DefaultKeepLast)
	case b.Suspend:
		t.Errorf("suspend defaulted to true")
	}
}

func TestInvalidBackupSpecsAreRefused(t *testing.T) {
	cases := []struct {
		name, backup, wantError string
	}{
		{"no schedule", `suspend: true`, "spec.backup.schedule"},
		{"deadline too short", "schedule: '@daily'\ndeadline: 1s", "backup.deadline must be a duration between 10s and 24h"},
		{"deadline too long", "schedule: '@daily'\ndeadline: 48h", "backup.deadline must be a duration between 10s and 24h"},
		{"keepLast zero", "schedule: '@daily'\nretention: {keepLast: 0}", "spec.backup.retention.keepLast"},
		{"unknown method", "schedule: '@daily'\nmethod: Tar", "spec.backup.method"},
		{"unknown deletion policy", "schedule: '@daily'\nsnapshotDeletionPolicy: Orphan", "spec.backup.snapshotDeletionPolicy"},
		{"group class without group method", "schedule: '@daily'\nvolumeGroupSnapshotClassName: csi-group", "volumeGroupSnapshotClassName is only allowed when backup.method is VolumeGroupSnapshot"},
	}
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := k8s.Create(ctx, backupSimulation(t, fmt.Sprintf("invalid-backup-%d", i), tc.backup))
			if err == nil {
				t.Fatal("the API server accepted an invalid backup spec")
			}
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.wantError) {
				t.Fatalf("want Invalid naming %q, got %v", tc.wantError, err)
			}
		})
	}
}

// TestRestoreIsSetOnlyAtCreation: a running simulation cannot start
// restoring, nor switch to another backup, but may drop spec.restore.
func TestRestoreIsSetOnlyAtCreation(t *testing.T) {
	ctx := context.Background()
	plain := simulation(t, "restore-later", `{}`)
	restoring := simulation(t, "restore-at-creation", `restore: {backupName: tavern-abc12}`)
	for _, u := range []*unstructured.Unstructured{plain, restoring} {
		if err := k8s.Create(ctx, u); err != nil {
			t.Fatalf("create %s: %v", u.GetName(), err)
		}
		t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
	}
	update := func(u *unstructured.Unstructured, change func(*charsimv1.CharacterSimulation)) error {
		var sim charsimv1.CharacterSimulation
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &sim); err != nil {
			t.Fatal(err)
		}
		change(&sim)
		return k8s.Update(ctx, &sim)
	}
	const want = "spec.restore is set when the simulation is created"
	err := update(plain, func(s *charsimv1.CharacterSimulation) {
		s.Spec.Restore = &charsimv1.RestoreSpec{BackupName: "tavern-abc12"}
	})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("adding spec.restore: want Invalid naming %q, got %v", want, err)
	}
	err = update(restoring, func(s *charsimv1.CharacterSimulation) { s.Spec.Restore.BackupName = "tavern-other" })
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("changing spec.restore.backupName: want Invalid naming %q, got %v", want, err)
	}
	if err := update(restoring, func(s *charsimv1.CharacterSimulation) { s.Spec.Suspend = true }); err != nil {
		t.Errorf("an unrelated change of a restoring simulation was refused: %v", err)
	}
	if err := update(restoring, func(s *charsimv1.CharacterSimulation) { s.Spec.Restore = nil }); err != nil {
		t.Errorf("removing spec.restore was refused: %v", err)
	}
}

func TestSimulationBackupValidation(t *testing.T) {
	ctx := context.Background()
	backup := func(name string, spec map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": charsimv1.GroupVersion.String(),
			"kind":       "SimulationBackup",
			"metadata":   map[string]any{"name": name, "namespace": "default"},
			"spec":       spec,
		}}
	}
	for _, tc := range []struct {
		name, objName string
		spec          map[string]any
		wantError     string
	}{
		{"no simulation", "no-sim", map[string]any{}, "spec.simulationName"},
		{"name too long", strings.Repeat("b", 64), map[string]any{"simulationName": "tavern"}, "metadata.name must be at most 63 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := k8s.Create(ctx, backup(tc.objName, tc.spec))
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.wantError) {
				t.Fatalf("want Invalid naming %q, got %v", tc.wantError, err)
			}
		})
	}

	u := backup("immutable", map[string]any{"simulationName": "tavern"})
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatalf("a valid backup was refused: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
	if err := unstructured.SetNestedField(u.Object, "other", "spec", "simulationName"); err != nil {
		t.Fatal(err)
	}
	err := k8s.Update(ctx, u)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "simulationName is immutable") {
		t.Fatalf("changing spec.simulationName: want Invalid naming the field, got %v", err)
	}
}

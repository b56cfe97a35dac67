package resources

import (
	"maps"
	"slices"
	"strings"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

// restoring is the sample simulation restoring from backup "old-abc12".
func restoring() *v1alpha1.CharacterSimulation {
	sim := sample()
	sim.Spec.Restore = &v1alpha1.RestoreSpec{BackupName: "old-abc12"}
	return sim
}

// backupCredentials is the backup's copy of the original database's password.
var backupCredentials = &corev1.Secret{
	ObjectMeta: metav1.ObjectMeta{Name: "old-abc12-postgres-credentials", Namespace: "stories"},
	Data:       map[string][]byte{KeyPassword: []byte("original-password")},
}

// completedBackup has a ready snapshot of each store, each needing size.
func completedBackup(size string) (*v1alpha1.SimulationBackup, map[string]*snapshotv1.VolumeSnapshot) {
	b := &v1alpha1.SimulationBackup{
		ObjectMeta: metav1.ObjectMeta{Name: "old-abc12", Namespace: "stories"},
		Spec:       v1alpha1.SimulationBackupSpec{SimulationName: "old"},
		Status:     v1alpha1.SimulationBackupStatus{Phase: v1alpha1.BackupCompleted},
	}
	snaps := map[string]*snapshotv1.VolumeSnapshot{}
	for _, c := range []string{ComponentPostgres, ComponentQdrant, ComponentRedis} {
		name := "old-abc12-" + c
		q := resource.MustParse(size)
		b.Status.Snapshots = append(b.Status.Snapshots, v1alpha1.ComponentSnapshot{
			Component: c, PersistentVolumeClaimName: "data-old-" + c + "-0", VolumeSnapshotName: name, ReadyToUse: true, Size: &q,
		})
		snaps[name] = &snapshotv1.VolumeSnapshot{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "stories"},
			Status:     &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(true), RestoreSize: ptr.To(resource.MustParse("0"))},
		}
	}
	return b, snaps
}

func TestPlanRestoreCreatesEveryClaimFromItsSnapshot(t *testing.T) {
	sim := restoring()
	sim.Spec.Postgres.Storage = &v1alpha1.StorageSpec{StorageClassName: ptr.To("fast")}
	b, snaps := completedBackup("1Gi")
	plan := PlanRestore(sim, RestoreInput{Claims: map[string]*corev1.PersistentVolumeClaim{}, Backup: b, Snapshots: snaps, BackupCredentials: backupCredentials})
	if plan.Condition.Status != metav1.ConditionTrue || plan.Condition.Reason != ReasonRestored || len(plan.Hold) != 0 {
		t.Fatalf("plan condition %+v hold %v, want Restored and nothing held", plan.Condition, plan.Hold)
	}
	if len(plan.Create) != 3 {
		t.Fatalf("plan creates %d claims, want 3", len(plan.Create))
	}
	// The restored database only accepts its own password, under the new name.
	if len(plan.Secrets) != 1 || plan.Secrets[0].Name != "tavern-postgres-credentials" ||
		string(plan.Secrets[0].Data[KeyPassword]) != "original-password" ||
		!strings.Contains(string(plan.Secrets[0].Data[KeyURL]), ":original-password@tavern-postgres.stories.svc:") {
		t.Errorf("plan secrets = %+v, want tavern-postgres-credentials with the backup's password", plan.Secrets)
	}
	if strings.Contains(plan.Condition.Message, "original-password") {
		t.Error("the password leaked into the condition")
	}
	wantSize := map[string]string{"data-tavern-postgres-0": "10Gi", "data-tavern-qdrant-0": "20Gi", "data-tavern-redis-0": "1Gi"}
	for _, claim := range plan.Create {
		component := claim.Labels[LabelComponent]
		ds := claim.Spec.DataSource
		if ds == nil || ptr.Deref(ds.APIGroup, "") != "snapshot.storage.k8s.io" || ds.Kind != "VolumeSnapshot" || ds.Name != "old-abc12-"+component {
			t.Errorf("%s dataSource = %+v, want VolumeSnapshot old-abc12-%s", claim.Name, ds, component)
		}
		if got := claim.Spec.Resources.Requests[corev1.ResourceStorage]; got.String() != wantSize[claim.Name] {
			t.Errorf("%s size = %s, want %s (the spec's)", claim.Name, got.String(), wantSize[claim.Name])
		}
		if claim.Annotations[AnnotationRestoredFrom] != "old-abc12" || claim.Labels[LabelSimulation] != "tavern" || len(claim.OwnerReferences) != 0 {
			t.Errorf("%s metadata = %+v, want the restore annotation, the simulation label and no owner", claim.Name, claim.ObjectMeta)
		}
		wantClass := ""
		if component == ComponentPostgres {
			wantClass = "fast"
		}
		if ptr.Deref(claim.Spec.StorageClassName, "") != wantClass {
			t.Errorf("%s storage class = %v, want %q", claim.Name, claim.Spec.StorageClassName, wantClass)
		}
	}

	// Once the claims exist the restore is done, whatever became of the backup.
	claims := map[string]*corev1.PersistentVolumeClaim{}
	for _, c := range plan.Create {
		claims[c.Name] = c
	}
	if NeedsBackup(sim, claims) {
		t.Error("NeedsBackup with every claim restored")
	}
	done := PlanRestore(sim, RestoreInput{Claims: claims})
	if len(done.Create) != 0 || len(done.Secrets) != 0 || len(done.Hold) != 0 || done.Condition != plan.Condition {
		t.Errorf("after the restore: %+v, want nothing to do and the same condition %+v", done, plan.Condition)
	}
}

func TestPlanRestoreRefuses(t *testing.T) {
	running, _ := completedBackup("1Gi")
	running.Status.Phase = v1alpha1.BackupRunning
	failed, _ := completedBackup("1Gi")
	failed.Status.Phase = v1alpha1.BackupFailed
	b, snaps := completedBackup("1Gi")
	withoutRedis := b.DeepCopy()
	withoutRedis.Status.Snapshots = withoutRedis.Status.Snapshots[:2]
	missingSnap := map[string]*snapshotv1.VolumeSnapshot{"old-abc12-postgres": snaps["old-abc12-postgres"], "old-abc12-redis": snaps["old-abc12-redis"]}
	notReady := map[string]*snapshotv1.VolumeSnapshot{}
	for k, v := range snaps {
		notReady[k] = v.DeepCopy()
	}
	notReady["old-abc12-redis"].Status.ReadyToUse = ptr.To(false)
	big, bigSnaps := completedBackup("15Gi")
	grown := map[string]*snapshotv1.VolumeSnapshot{}
	for k, v := range snaps {
		grown[k] = v.DeepCopy()
	}
	grown["old-abc12-redis"].Status.RestoreSize = ptr.To(resource.MustParse("2Gi"))
	leftover := map[string]*corev1.PersistentVolumeClaim{"data-tavern-qdrant-0": {ObjectMeta: metav1.ObjectMeta{Name: "data-tavern-qdrant-0"}}}
	otherPassword := PostgresCredentials(restoring(), "another-password")

	cases := []struct {
		name        string
		in          RestoreInput
		wantReason  string
		wantMessage string
		wantHold    []string
	}{
		{"backup not found", RestoreInput{}, ReasonBackupNotFound, "SimulationBackup old-abc12 not found", []string{"postgres", "qdrant", "redis"}},
		{"backup running", RestoreInput{Backup: running, Snapshots: snaps}, ReasonBackupNotCompleted, "backup old-abc12 is Running", []string{"postgres", "qdrant", "redis"}},
		{"backup failed", RestoreInput{Backup: failed, Snapshots: snaps}, ReasonBackupNotCompleted, "backup old-abc12 Failed", []string{"postgres", "qdrant", "redis"}},
		{"no redis snapshot in the backup", RestoreInput{Backup: withoutRedis, Snapshots: snaps}, ReasonSnapshotMissing, "no snapshot of the redis volume", []string{"postgres", "qdrant", "redis"}},
		{"snapshot deleted", RestoreInput{Backup: b, Snapshots: missingSnap}, ReasonSnapshotMissing, "VolumeSnapshot old-abc12-qdrant (the qdrant volume of backup old-abc12) does not exist", []string{"postgres", "qdrant", "redis"}},
		{"snapshot not ready", RestoreInput{Backup: b, Snapshots: notReady}, ReasonSnapshotNotReady, "old-abc12-redis", []string{"postgres", "qdrant", "redis"}},
		{"recorded size too big", RestoreInput{Backup: big, Snapshots: bigSnaps}, ReasonVolumeTooSmall, "spec.postgres.storage.size 10Gi is smaller than VolumeSnapshot old-abc12-postgres (15Gi)", []string{"postgres", "qdrant", "redis"}},
		{"restoreSize too big", RestoreInput{Backup: b, Snapshots: grown}, ReasonVolumeTooSmall, "spec.redis.storage.size 1Gi is smaller than VolumeSnapshot old-abc12-redis (2Gi): set it to at least 2Gi", []string{"postgres", "qdrant", "redis"}},
		{"leftover claim", RestoreInput{Claims: leftover, Backup: b, Snapshots: snaps, BackupCredentials: backupCredentials}, ReasonVolumeConflict, "volume claim data-tavern-qdrant-0 already exists and was not restored from backup old-abc12", []string{"postgres", "qdrant", "redis"}},
		{"no copy of the password", RestoreInput{Backup: b, Snapshots: snaps}, ReasonCredentialsMissing, "backup old-abc12 holds no copy of the PostgreSQL password", []string{"postgres", "qdrant", "redis"}},
		{"leftover credentials", RestoreInput{Backup: b, Snapshots: snaps, BackupCredentials: backupCredentials, Credentials: otherPassword}, ReasonCredentialsDiffer, "Secret tavern-postgres-credentials exists with a password other than the one the database of backup old-abc12 expects", []string{"postgres", "qdrant", "redis"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.BackupCredentials == nil && tc.wantReason != ReasonCredentialsMissing {
				tc.in.BackupCredentials = backupCredentials
			}
			if tc.in.Claims == nil {
				tc.in.Claims = map[string]*corev1.PersistentVolumeClaim{}
			}
			plan := PlanRestore(restoring(), tc.in)
			c := plan.Condition
			if c.Type != v1alpha1.ConditionRestored || c.Status != metav1.ConditionFalse || c.Reason != tc.wantReason || !strings.Contains(c.Message, tc.wantMessage) {
				t.Errorf("condition %s %s/%s %q, want Restored False/%s containing %q", c.Type, c.Status, c.Reason, c.Message, tc.wantReason, tc.wantMessage)
			}
			if len(plan.Create) != 0 || len(plan.Secrets) != 0 {
				t.Errorf("plan creates %d claims and %d Secrets; a refused restore creates none", len(plan.Create), len(plan.Secrets))
			}
			if strings.Contains(c.Message, "password\"") || strings.Contains(c.Message, "original-password") || strings.Contains(c.Message, "another-password") {
				t.Errorf("a password leaked into the condition: %q", c.Message)
			}
			for _, component := range tc.wantHold {
				if !plan.Hold["tavern-"+component] {
					t.Errorf("StatefulSet tavern-%s not held: it would create an empty volume", component)
				}
			}
			if len(plan.Hold) != len(tc.wantHold) {
				t.Errorf("held %v, want %v", plan.Hold, tc.wantHold)
			}
		})
	}
}

func TestPlanRestoreUsesTheUsersOwnCredentials(t *testing.T) {
	b, snaps := completedBackup("1Gi")
	own := PostgresCredentials(restoring(), "chosen-by-the-user")
	plan := PlanRestore(restoring(), RestoreInput{Claims: map[string]*corev1.PersistentVolumeClaim{}, Backup: b, Snapshots: snaps, Credentials: own})
	if plan.Condition.Status != metav1.ConditionTrue || len(plan.Secrets) != 0 || len(plan.Create) != 3 {
		t.Errorf("a backup without a password copy and the user's own credentials: %+v", plan)
	}
	same := PostgresCredentials(restoring(), "original-password")
	plan = PlanRestore(restoring(), RestoreInput{Claims: map[string]*corev1.PersistentVolumeClaim{}, Backup: b, Snapshots: snaps, BackupCredentials: backupCredentials, Credentials: same})
	if plan.Condition.Status != metav1.ConditionTrue || len(plan.Secrets) != 0 {
		t.Errorf("credentials already holding the backup's password: %+v", plan)
	}
}

// TestPlanRestoreWithoutQdrant: a simulation without Qdrant restores the
// volumes it has (PostgreSQL, whose rows hold the vectors, and Redis), from
// a backup that has no Qdrant snapshot or from one that has and is ignored;
// and a simulation that runs Qdrant cannot restore from a Qdrant-less backup.
func TestPlanRestoreWithoutQdrant(t *testing.T) {
	qdrantless := func() *v1alpha1.CharacterSimulation { return withQdrantDisabled(restoring()) }
	full, fullSnaps := completedBackup("1Gi")
	noQdrant := full.DeepCopy()
	noQdrant.Status.Snapshots = slices.DeleteFunc(noQdrant.Status.Snapshots, func(s v1alpha1.ComponentSnapshot) bool {
		return s.Component == ComponentQdrant
	})
	noQdrantSnaps := maps.Clone(fullSnaps)
	delete(noQdrantSnaps, "old-abc12-qdrant")

	cases := []struct {
		name       string
		sim        *v1alpha1.CharacterSimulation
		backup     *v1alpha1.SimulationBackup
		snaps      map[string]*snapshotv1.VolumeSnapshot
		wantStatus metav1.ConditionStatus
		wantClaims []string
		wantMsg    string
	}{
		{"qdrant-less backup into a qdrant-less simulation", qdrantless(), noQdrant, noQdrantSnaps, metav1.ConditionTrue,
			[]string{"data-tavern-postgres-0", "data-tavern-redis-0"}, "volumes of postgres, redis restored from backup old-abc12"},
		{"a backup with qdrant into a qdrant-less simulation leaves its snapshot out", qdrantless(), full, fullSnaps, metav1.ConditionTrue,
			[]string{"data-tavern-postgres-0", "data-tavern-redis-0"}, "volumes of postgres, redis restored"},
		{"a qdrant-less backup into a simulation with qdrant is refused", restoring(), noQdrant, noQdrantSnaps, metav1.ConditionFalse,
			nil, "backup old-abc12 has no snapshot of the qdrant volume"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := PlanRestore(tc.sim, RestoreInput{
				Claims: map[string]*corev1.PersistentVolumeClaim{}, Backup: tc.backup, Snapshots: tc.snaps, BackupCredentials: backupCredentials,
			})
			if plan.Condition.Status != tc.wantStatus || !strings.Contains(plan.Condition.Message, tc.wantMsg) {
				t.Errorf("condition %s %q, want %s containing %q", plan.Condition.Status, plan.Condition.Message, tc.wantStatus, tc.wantMsg)
			}
			var claims []string
			for _, c := range plan.Create {
				claims = append(claims, c.Name)
			}
			if !slices.Equal(claims, tc.wantClaims) {
				t.Errorf("claims = %v, want %v", claims, tc.wantClaims)
			}
			if plan.Hold["tavern-qdrant"] && tc.sim.Spec.Qdrant.Mode == v1alpha1.QdrantDisabled {
				t.Error("holds a Qdrant StatefulSet the simulation does not have")
			}
		})
	}
}

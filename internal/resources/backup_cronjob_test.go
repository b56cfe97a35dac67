package resources

import (
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

func withBackup(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Backup = &v1alpha1.BackupSpec{
		Schedule:               "0 3 * * *",
		Retention:              v1alpha1.RetentionSpec{KeepLast: ptr.To[int32](5)},
		Deadline:               &metav1.Duration{Duration: 20 * time.Minute},
		Method:                 v1alpha1.BackupMethodVolumeSnapshot,
		SnapshotDeletionPolicy: v1alpha1.SnapshotDeletionRetain,
	}
	return sim
}

var backupTestOptions = func() Options {
	o := testOptions
	o.OperatorImage = "registry.test/charsim-operator:v1.2.3"
	return o
}()

func TestBackupObjects(t *testing.T) {
	objs, err := Desired(withBackup(sample()), backupTestOptions, testSecretVersions)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		if strings.HasSuffix(*o.GetName(), "-backup") {
			names = append(names, *o.GetKind()+"/"+*o.GetName())
		}
	}
	want := []string{"NetworkPolicy/tavern-backup", "ServiceAccount/tavern-backup", "Role/tavern-backup", "RoleBinding/tavern-backup", "CronJob/tavern-backup"}
	if !slices.Equal(names, want) {
		t.Fatalf("backup objects = %v, want %v", names, want)
	}

	cj := mustFind[batchv1.CronJob](t, objs, "CronJob", "tavern-backup")
	s := cj.Spec
	if s.Schedule != "0 3 * * *" || s.ConcurrencyPolicy != batchv1.ForbidConcurrent ||
		ptr.Deref(s.SuccessfulJobsHistoryLimit, 0) != 3 || ptr.Deref(s.FailedJobsHistoryLimit, 0) != 3 ||
		ptr.Deref(s.Suspend, true) || s.StartingDeadlineSeconds == nil {
		t.Errorf("cronjob spec = %+v", s)
	}
	job := s.JobTemplate.Spec
	if ptr.Deref(job.BackoffLimit, -1) != 0 {
		t.Errorf("backoffLimit = %v, want 0: a retry would be a second backup", job.BackoffLimit)
	}
	// 20m deadline + 2m wait margin + 2m for the Job.
	if ptr.Deref(job.ActiveDeadlineSeconds, 0) != 24*60 {
		t.Errorf("activeDeadlineSeconds = %v, want %d", job.ActiveDeadlineSeconds, 24*60)
	}
	pod := job.Template.Spec
	if pod.ServiceAccountName != "tavern-backup" || !ptr.Deref(pod.AutomountServiceAccountToken, false) ||
		pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("pod spec: serviceAccount %q automount %v restartPolicy %q", pod.ServiceAccountName, pod.AutomountServiceAccountToken, pod.RestartPolicy)
	}
	c := pod.Containers[0]
	wantArgs := []string{"backup", "create", "--simulation=tavern", "--namespace=stories", "--wait", "--timeout=22m0s"}
	if c.Image != "registry.test/charsim-operator:v1.2.3" || !slices.Equal(c.Command, []string{"/charsimctl"}) || !slices.Equal(c.Args, wantArgs) {
		t.Errorf("container image %q command %v args %v, want the operator image running /charsimctl %v", c.Image, c.Command, c.Args, wantArgs)
	}
	// The restricted profile, except the API token this pod needs.
	restricted := *pod.DeepCopy()
	restricted.AutomountServiceAccountToken = ptr.To(false)
	checkRestricted(t, "backup", restricted)

	role := mustFind[rbacv1.Role](t, objs, "Role", "tavern-backup")
	wantRules := []rbacv1.PolicyRule{
		{APIGroups: []string{"charsim.mojin.dev"}, Resources: []string{"simulationbackups"}, Verbs: []string{"create", "get", "list", "watch"}},
		{APIGroups: []string{"charsim.mojin.dev"}, Resources: []string{"charactersimulations"}, ResourceNames: []string{"tavern"}, Verbs: []string{"get"}},
	}
	if len(role.Rules) != len(wantRules) {
		t.Fatalf("role rules = %+v", role.Rules)
	}
	for i := range wantRules {
		got, want := role.Rules[i], wantRules[i]
		if !slices.Equal(got.APIGroups, want.APIGroups) || !slices.Equal(got.Resources, want.Resources) ||
			!slices.Equal(got.ResourceNames, want.ResourceNames) || !slices.Equal(got.Verbs, want.Verbs) {
			t.Errorf("role rule %d = %+v, want %+v", i, got, want)
		}
	}
	binding := mustFind[rbacv1.RoleBinding](t, objs, "RoleBinding", "tavern-backup")
	if binding.RoleRef.Kind != "Role" || binding.RoleRef.Name != "tavern-backup" || len(binding.Subjects) != 1 ||
		binding.Subjects[0].Kind != "ServiceAccount" || binding.Subjects[0].Name != "tavern-backup" || binding.Subjects[0].Namespace != "stories" {
		t.Errorf("role binding = %+v", binding)
	}

	policy := networkPolicyNamed(t, objs, "tavern-backup")
	if len(policy.Spec.Ingress) != 0 || len(policy.Spec.Egress) != 1 || len(policy.Spec.Egress[0].To) != 0 {
		t.Fatalf("backup policy = %+v, want one egress rule by port and no ingress", policy.Spec)
	}
	var ports []int32
	for _, p := range policy.Spec.Egress[0].Ports {
		if *p.Protocol != corev1.ProtocolTCP {
			t.Errorf("port %v is not TCP", p)
		}
		ports = append(ports, p.Port.IntVal)
	}
	if !slices.Equal(ports, []int32{443, 6443}) || !slices.Contains(policy.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
		t.Errorf("backup policy egress ports %v types %v, want the API server ports 443 and 6443", ports, policy.Spec.PolicyTypes)
	}
}

func TestBackupSuspendSuspendsTheCronJob(t *testing.T) {
	sim := withBackup(sample())
	sim.Spec.Backup.Suspend = true
	objs, err := Desired(sim, backupTestOptions, testSecretVersions)
	if err != nil {
		t.Fatal(err)
	}
	if cj := mustFind[batchv1.CronJob](t, objs, "CronJob", "tavern-backup"); !ptr.Deref(cj.Spec.Suspend, false) {
		t.Error("spec.backup.suspend did not suspend the CronJob")
	}
}

func TestNoBackupObjectsWithoutASchedulableBackup(t *testing.T) {
	reversed := withBackup(sample())
	reversed.Spec.Backup.Schedule = "0 5-1 * * *"
	external := withBackup(withRedisDisabled(withExternalStores(sample())))
	for name, sim := range map[string]*v1alpha1.CharacterSimulation{
		"no spec.backup":   sample(),
		"reversed range":   reversed,
		"nothing to store": external,
	} {
		t.Run(name, func(t *testing.T) {
			objs, err := Desired(sim, backupTestOptions, testSecretVersions)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if *o.GetKind() == "CronJob" || strings.HasSuffix(*o.GetName(), "-backup") {
					t.Errorf("built %s %s", *o.GetKind(), *o.GetName())
				}
			}
		})
	}
}

func TestBackupScheduledCondition(t *testing.T) {
	cases := []struct {
		name       string
		sim        *v1alpha1.CharacterSimulation
		obs        BackupObservation
		wantStatus metav1.ConditionStatus // empty: no condition
		wantReason string
	}{
		{"no backup", sample(), BackupObservation{}, "", ""},
		{"scheduled", withBackup(sample()), BackupObservation{CronJobExists: true}, metav1.ConditionTrue, ReasonScheduled},
		{"cronjob not created yet", withBackup(sample()), BackupObservation{}, metav1.ConditionFalse, ReasonCreating},
		{"suspended", func() *v1alpha1.CharacterSimulation {
			s := withBackup(sample())
			s.Spec.Backup.Suspend = true
			return s
		}(), BackupObservation{CronJobExists: true}, metav1.ConditionFalse, ReasonSuspended},
		{"reversed range", func() *v1alpha1.CharacterSimulation {
			s := withBackup(sample())
			s.Spec.Backup.Schedule = "0 5-1 * * *"
			return s
		}(), BackupObservation{}, metav1.ConditionFalse, ReasonInvalidSchedule},
		{"only external stores", withBackup(withRedisDisabled(withExternalStores(sample()))), BackupObservation{}, metav1.ConditionFalse, ReasonNoVolumes},
		{"group snapshots not served", func() *v1alpha1.CharacterSimulation {
			s := withBackup(sample())
			s.Spec.Backup.Method = v1alpha1.BackupMethodVolumeGroupSnapshot
			return s
		}(), BackupObservation{CronJobExists: true}, metav1.ConditionFalse, ReasonVolumeGroupSnapshotUnsupported},
		{"group snapshots served", func() *v1alpha1.CharacterSimulation {
			s := withBackup(sample())
			s.Spec.Backup.Method = v1alpha1.BackupMethodVolumeGroupSnapshot
			return s
		}(), BackupObservation{CronJobExists: true, GroupSnapshotsServed: true}, metav1.ConditionTrue, ReasonScheduled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A stale condition from an earlier spec must not survive.
			tc.sim.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionBackupScheduled, Status: metav1.ConditionTrue, Reason: "Old"}}
			status := ComputeStatus(tc.sim, Observed{Backup: tc.obs}, metav1.Now())
			var got *metav1.Condition
			for i := range status.Conditions {
				if status.Conditions[i].Type == v1alpha1.ConditionBackupScheduled {
					got = &status.Conditions[i]
				}
			}
			switch {
			case tc.wantStatus == "" && got != nil:
				t.Errorf("condition %+v, want none", got)
			case tc.wantStatus == "":
			case got == nil:
				t.Errorf("no BackupScheduled condition, want %s/%s", tc.wantStatus, tc.wantReason)
			case got.Status != tc.wantStatus || got.Reason != tc.wantReason || got.Message == "":
				t.Errorf("condition %s/%s %q, want %s/%s with a message", got.Status, got.Reason, got.Message, tc.wantStatus, tc.wantReason)
			}
		})
	}
}

package resources

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	batchv1ac "k8s.io/client-go/applyconfigurations/batch/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// ComponentBackup labels the objects of the scheduled backup.
const ComponentBackup = "backup"

// CharsimctlPath is where the operator image holds charsimctl.
const CharsimctlPath = "/charsimctl"

// Scheduled backup settings.
const (
	// backupJobHistory is how many finished Jobs of each outcome the
	// CronJob keeps, so failures stay visible next to successes.
	backupJobHistory int32 = 3
	// backupStartingDeadline is how late a missed run may still start.
	backupStartingDeadline int64 = 300
	// backupWaitMargin is how much longer than the backup's own deadline
	// charsimctl waits, and the Job runs, so the controller's Failed is
	// what the Job reports rather than a timeout.
	backupWaitMargin = 2 * time.Minute
)

// API server ports the backup pod may reach: 443 for managed control planes,
// 6443 for kubeadm and kind. A NetworkPolicy sees the endpoint's port, not
// the kubernetes Service's.
var apiServerPorts = []int32{443, 6443}

// BackupName names the backup CronJob and its ServiceAccount, Role,
// RoleBinding and NetworkPolicy.
func BackupName(sim string) string { return sim + "-backup" }

// BackupDeadline is how long a backup of the simulation may take.
func BackupDeadline(sim *v1alpha1.CharacterSimulation) time.Duration {
	if b := sim.Spec.Backup; b != nil && b.Deadline != nil {
		return b.Deadline.Duration
	}
	d, _ := time.ParseDuration(v1alpha1.DefaultBackupDeadline)
	return d
}

// ValidateSchedule parses a cron schedule as the CronJob controller does.
// The CRD's CEL rules refuse almost every invalid schedule; this catches
// what a pattern cannot see, such as a reversed range (5-1).
func ValidateSchedule(schedule string) error {
	if _, err := cron.ParseStandard(schedule); err != nil {
		return fmt.Errorf("spec.backup.schedule %q: %w", schedule, err)
	}
	return nil
}

// backupScheduled reports whether the simulation gets a backup CronJob:
// spec.backup is set, its schedule parses and there is a volume to snapshot.
func backupScheduled(sim *v1alpha1.CharacterSimulation) bool {
	return sim.Spec.Backup != nil && ValidateSchedule(sim.Spec.Backup.Schedule) == nil && len(DataVolumes(sim)) > 0
}

// backupObjects are the scheduled backup: a CronJob that runs
// `charsimctl backup create --wait` in the operator image, under a
// ServiceAccount whose Role allows only creating and watching
// SimulationBackups and reading this one simulation, and a NetworkPolicy
// that lets it reach the API server and nothing else.
func backupObjects(sim *v1alpha1.CharacterSimulation, opts Options) ([]Object, error) {
	if !backupScheduled(sim) {
		return nil, nil
	}
	job, err := backupCronJob(sim, opts)
	if err != nil {
		return nil, fmt.Errorf("backup cronjob: %w", err)
	}
	name := BackupName(sim.Name)
	return []Object{
		backupPolicy(sim),
		serviceAccount(sim, ComponentBackup, name),
		backupRole(sim),
		backupRoleBinding(sim),
		job,
	}, nil
}

func backupCronJob(sim *v1alpha1.CharacterSimulation, opts Options) (*batchv1ac.CronJobApplyConfiguration, error) {
	spec := sim.Spec.Backup
	wait := BackupDeadline(sim) + backupWaitMargin
	container := corev1ac.Container().
		WithName(ComponentBackup).
		WithImage(opts.OperatorImage).
		WithCommand(CharsimctlPath).
		WithArgs(BackupCommandArgs(sim, wait)...).
		WithResources(corev1ac.ResourceRequirements().
			WithRequests(corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("10m"),
				corev1.ResourceMemory: resource.MustParse("32Mi"),
			}).
			WithLimits(corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")})).
		WithSecurityContext(restrictedContainerSecurityContext()).
		WithVolumeMounts(mount(volumeTmp, "/tmp"))
	pod, err := podTemplate(sim, "spec.backup", podParams{
		component:      ComponentBackup,
		uid:            charsimUID,
		serviceAccount: BackupName(sim.Name),
		containers:     []*corev1ac.ContainerApplyConfiguration{container},
		volumes:        []*corev1ac.VolumeApplyConfiguration{emptyDir(volumeTmp)},
	})
	if err != nil {
		return nil, err
	}
	// The one pod of the stack that talks to the API server.
	pod.Spec.WithAutomountServiceAccountToken(true).
		WithRestartPolicy(corev1.RestartPolicyNever)
	return batchv1ac.CronJob(BackupName(sim.Name), sim.Namespace).
		WithLabels(Labels(sim, ComponentBackup)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(batchv1ac.CronJobSpec().
			WithSchedule(spec.Schedule).
			WithSuspend(spec.Suspend).
			WithConcurrencyPolicy(batchv1.ForbidConcurrent).
			WithStartingDeadlineSeconds(backupStartingDeadline).
			WithSuccessfulJobsHistoryLimit(backupJobHistory).
			WithFailedJobsHistoryLimit(backupJobHistory).
			WithJobTemplate(batchv1ac.JobTemplateSpec().
				WithLabels(Labels(sim, ComponentBackup)).
				WithSpec(batchv1ac.JobSpec().
					// One backup per run: a retry would be a second backup,
					// and the failure would vanish from the history.
					WithBackoffLimit(0).
					WithActiveDeadlineSeconds(int64((wait + backupWaitMargin).Seconds())).
					WithTemplate(pod)))), nil
}

// BackupCommandArgs are charsimctl's arguments in the backup Job: create a
// backup of the simulation and wait up to wait for it to finish.
func BackupCommandArgs(sim *v1alpha1.CharacterSimulation, wait time.Duration) []string {
	return []string{
		"backup", "create",
		"--simulation=" + sim.Name,
		"--namespace=" + sim.Namespace,
		"--wait",
		"--timeout=" + wait.String(),
	}
}

// backupRole allows exactly what `charsimctl backup create --wait` does.
func backupRole(sim *v1alpha1.CharacterSimulation) *rbacv1ac.RoleApplyConfiguration {
	group := v1alpha1.GroupVersion.Group
	return rbacv1ac.Role(BackupName(sim.Name), sim.Namespace).
		WithLabels(Labels(sim, ComponentBackup)).
		WithOwnerReferences(ownerReference(sim)).
		WithRules(
			rbacv1ac.PolicyRule().
				WithAPIGroups(group).
				WithResources("simulationbackups").
				WithVerbs("create", "get", "list", "watch"),
			rbacv1ac.PolicyRule().
				WithAPIGroups(group).
				WithResources("charactersimulations").
				WithResourceNames(sim.Name).
				WithVerbs("get"))
}

func backupRoleBinding(sim *v1alpha1.CharacterSimulation) *rbacv1ac.RoleBindingApplyConfiguration {
	name := BackupName(sim.Name)
	return rbacv1ac.RoleBinding(name, sim.Namespace).
		WithLabels(Labels(sim, ComponentBackup)).
		WithOwnerReferences(ownerReference(sim)).
		WithRoleRef(rbacv1ac.RoleRef().
			WithAPIGroup("rbac.authorization.k8s.io").
			WithKind("Role").
			WithName(name)).
		WithSubjects(rbacv1ac.Subject().
			WithKind("ServiceAccount").
			WithName(name).
			WithNamespace(sim.Namespace))
}

// backupPolicy lets the backup pod reach the API server; the default-deny
// policy blocks everything else.
func backupPolicy(sim *v1alpha1.CharacterSimulation) *networkingv1ac.NetworkPolicyApplyConfiguration {
	return networkPolicy(sim, ComponentBackup, BackupName(sim.Name), networkingv1ac.NetworkPolicySpec().
		WithPodSelector(labelSelector(SelectorLabels(sim, ComponentBackup))).
		WithPolicyTypes(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress).
		WithEgress(networkingv1ac.NetworkPolicyEgressRule().WithPorts(tcpPorts(apiServerPorts...)...)))
}

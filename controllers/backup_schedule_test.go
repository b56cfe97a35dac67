package controllers

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/backup"
	"github.com/mojin/charsim/internal/ctl"
	"github.com/mojin/charsim/internal/resources"
)

func backupChildren(s string) []child {
	name := resources.BackupName(s)
	return []child{
		{name: name, obj: func() client.Object { return &batchv1.CronJob{} }},
		{name: name, obj: sa},
		{name: name, obj: func() client.Object { return &rbacv1.Role{} }},
		{name: name, obj: func() client.Object { return &rbacv1.RoleBinding{} }},
		{name: name, obj: netpol},
	}
}

// TestBackupCronJob: spec.backup makes the CronJob and its narrow RBAC,
// reported by BackupScheduled; suspend suspends it; removing spec.backup
// removes it all.
func TestBackupCronJob(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "nightly", 5*time.Minute)
	create(t, sim)
	waitForChildren(t, sim, backupChildren("nightly"))

	cj := get(t, ns, "nightly-backup", &batchv1.CronJob{})
	if cj.Spec.Schedule != "0 3 * * *" || cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent ||
		ptr.Deref(cj.Spec.SuccessfulJobsHistoryLimit, 0) == 0 || ptr.Deref(cj.Spec.FailedJobsHistoryLimit, 0) == 0 || ptr.Deref(cj.Spec.Suspend, true) {
		t.Errorf("CronJob spec %+v", cj.Spec)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	c := pod.Containers[0]
	if pod.ServiceAccountName != "nightly-backup" || c.Image != testOptions.OperatorImage || !slices.Equal(c.Command, []string{"/charsimctl"}) ||
		!slices.Equal(c.Args, resources.BackupCommandArgs(sim, 7*time.Minute)) {
		t.Errorf("backup pod runs %v %v as %q in %q", c.Command, c.Args, pod.ServiceAccountName, c.Image)
	}
	waitForCondition(t, sim, v1alpha1.ConditionBackupScheduled, metav1.ConditionTrue, resources.ReasonScheduled)

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Backup.Suspend = true })
	waitForCondition(t, sim, v1alpha1.ConditionBackupScheduled, metav1.ConditionFalse, resources.ReasonSuspended)
	if cj := get(t, ns, "nightly-backup", &batchv1.CronJob{}); !ptr.Deref(cj.Spec.Suspend, false) {
		t.Error("spec.backup.suspend did not suspend the CronJob")
	}

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Backup = nil })
	waitForGone(t, sim, backupChildren("nightly"))
	eventually(t, "BackupScheduled removed", func() error {
		if _, err := simulationCondition(sim, v1alpha1.ConditionBackupScheduled); err == nil {
			return fmt.Errorf("BackupScheduled is still there")
		}
		return nil
	})
}

// writeKubeconfig writes a kubeconfig for the test API server with the
// given credentials and namespace.
func writeKubeconfig(t *testing.T, auth *clientcmdapi.AuthInfo, namespace string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	err := clientcmd.WriteToFile(clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"envtest": {Server: restConfig.Host, CertificateAuthorityData: restConfig.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"user": auth},
		Contexts:       map[string]*clientcmdapi.Context{"envtest": {Cluster: "envtest", AuthInfo: "user", Namespace: namespace}},
		CurrentContext: "envtest",
	}, path)
	if err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}

// charsimctl runs charsimctl in-process.
func charsimctl(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := ctl.Run(ctx, args, &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

// TestCharsimctlUnderTheBackupRole runs exactly what the CronJob's pod runs
// (charsimctl with the Job's arguments) with a token of the CronJob's
// ServiceAccount: the Role allows the backup, it completes, and the command
// succeeds; the same token can do nothing else. A backup that fails makes
// the command fail.
func TestCharsimctlUnderTheBackupRole(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "guarded", time.Minute)
	create(t, sim)
	createDataClaims(t, sim)
	other := newSimulation(ns, "other")
	create(t, other)
	waitForChildren(t, sim, backupChildren("guarded"))

	clientset, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		t.Fatal(err)
	}
	var token *authenticationv1.TokenRequest
	eventually(t, "a token of the backup ServiceAccount", func() error {
		token, err = clientset.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), "guarded-backup",
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
		return err
	})
	asJob := writeKubeconfig(t, &clientcmdapi.AuthInfo{Token: token.Status.Token}, ns)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := charsimctl(ctx, append(resources.BackupCommandArgs(sim, time.Minute), "--kubeconfig", asJob)...)
		done <- result{out, err}
	}()
	// Play the CSI driver for the backup the command created.
	var created *v1alpha1.SimulationBackup
	eventually(t, "the backup charsimctl created", func() error {
		list := &v1alpha1.SimulationBackupList{}
		if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
			return err
		}
		if len(list.Items) != 1 {
			return fmt.Errorf("%d backups", len(list.Items))
		}
		created = &list.Items[0]
		return nil
	})
	if created.Spec.SimulationName != "guarded" || !strings.HasPrefix(created.Name, "guarded-") || created.Labels[resources.LabelSimulation] != "guarded" {
		t.Errorf("charsimctl created %s for %s with labels %v", created.Name, created.Spec.SimulationName, created.Labels)
	}
	completeBackup(t, sim, created, "0")
	r := <-done
	if r.err != nil {
		t.Fatalf("charsimctl backup create --wait: %v\n%s", r.err, r.out)
	}
	for _, want := range []string{"simulationbackup/" + created.Name + " created", "Phase:", "Completed", "restore: {backupName: " + created.Name + "}"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("charsimctl output lacks %q:\n%s", want, r.out)
		}
	}

	out, err := charsimctl(ctx, "backup", "list", "--kubeconfig", asJob)
	if err != nil || !strings.Contains(out, created.Name) {
		t.Errorf("backup list under the Role: %v\n%s", err, out)
	}
	for _, forbidden := range [][]string{
		{"backup", "delete", created.Name},
		{"backup", "create", "--simulation", "other"},
	} {
		out, err := charsimctl(ctx, append(forbidden, "--kubeconfig", asJob)...)
		if err == nil || !strings.Contains(err.Error(), "forbidden") {
			t.Errorf("charsimctl %s under the backup Role: want forbidden, got %v\n%s", strings.Join(forbidden, " "), err, out)
		}
	}

	// A backup that fails makes the command exit non-zero, with the reason.
	hollow := newSimulation(ns, "hollow")
	hollow.Spec.DiscordBot = nil
	hollow.Spec.Postgres.External = &v1alpha1.ExternalPostgres{URLSecretRef: v1alpha1.SecretKeyRef{Name: "db", Key: "url"}}
	hollow.Spec.Qdrant.External = &v1alpha1.ExternalQdrant{URLSecretRef: v1alpha1.SecretKeyRef{Name: "q", Key: "url"}}
	hollow.Spec.Redis.Mode = v1alpha1.RedisDisabled
	create(t, hollow)
	admin := writeKubeconfig(t, &clientcmdapi.AuthInfo{ClientCertificateData: restConfig.CertData, ClientKeyData: restConfig.KeyData}, ns)
	out, err = charsimctl(ctx, "backup", "create", "--simulation", "hollow", "--wait", "--kubeconfig", admin)
	if err == nil || !strings.Contains(err.Error(), "failed: "+backup.ReasonNoVolumes) {
		t.Errorf("backup of a simulation without volumes: want a failure naming %s, got %v\n%s", backup.ReasonNoVolumes, err, out)
	}
	out, err = charsimctl(ctx, "backup", "create", "--simulation", "missing", "--kubeconfig", admin)
	if err == nil || !strings.Contains(err.Error(), "--simulation: CharacterSimulation missing not found in namespace "+ns) {
		t.Errorf("backup of a missing simulation: %v\n%s", err, out)
	}
}

// TestBackupPodMayReachTheAPIServer: the backup pod is the one pod of the
// stack with an API token, and its NetworkPolicy opens only the API server
// ports.
func TestBackupPodMayReachTheAPIServer(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newBackedUpSimulation(ns, "netcheck", time.Minute)
	create(t, sim)
	waitForChildren(t, sim, backupChildren("netcheck"))
	cj := get(t, ns, "netcheck-backup", &batchv1.CronJob{})
	if !ptr.Deref(cj.Spec.JobTemplate.Spec.Template.Spec.AutomountServiceAccountToken, false) {
		t.Error("the backup pod mounts no API token")
	}
	policy := get(t, ns, "netcheck-backup", &networkingv1.NetworkPolicy{})
	var ports []string
	for _, rule := range policy.Spec.Egress {
		for _, p := range rule.Ports {
			ports = append(ports, string(ptr.Deref(p.Protocol, corev1.ProtocolTCP))+"/"+p.Port.String())
		}
	}
	if !slices.Equal(ports, []string{"TCP/443", "TCP/6443"}) || len(policy.Spec.Ingress) != 0 {
		t.Errorf("backup pod egress %v ingress %v, want only the API server ports out", ports, policy.Spec.Ingress)
	}
}

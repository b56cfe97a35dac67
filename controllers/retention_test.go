package controllers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/mojin/charsim/internal/testenv"
)

// startGarbageCollector runs a real kube-controller-manager with only its
// garbage collector against the test API server, until the test ends.
// envtest has no controllers, so without it owner references do nothing and
// "deleted with the simulation" versus "outlives it" cannot be told apart.
func startGarbageCollector(t *testing.T) {
	t.Helper()
	assets, err := testenv.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(assets, "kube-controller-manager")
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("kube-controller-manager missing (hack/k8s-binaries.sh builds it): %v", err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	err = clientcmd.WriteToFile(clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"envtest": {Server: restConfig.Host, CertificateAuthorityData: restConfig.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"admin": {ClientCertificateData: restConfig.CertData, ClientKeyData: restConfig.KeyData}},
		Contexts:       map[string]*clientcmdapi.Context{"envtest": {Cluster: "envtest", AuthInfo: "admin"}},
		CurrentContext: "envtest",
	}, kubeconfig)
	if err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	logFile, err := os.Create(filepath.Join(dir, "kube-controller-manager.log"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary,
		"--kubeconfig="+kubeconfig,
		"--controllers=garbagecollector",
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kube-controller-manager: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait() // killed by the cancel
		logFile.Close()
		if t.Failed() {
			if out, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("kube-controller-manager log:\n%s", out)
			}
		}
	})
}

// TestStoreCredentialsOutliveTheSimulation: deleting a simulation deletes its
// owned children but keeps the stores' credentials, like the volumes whose
// data those passwords unlock; re-creating the simulation uses them again.
func TestStoreCredentialsOutliveTheSimulation(t *testing.T) {
	startGarbageCollector(t)
	startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "phoenix")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("phoenix"))
	credentials := storeCredentials("phoenix", "postgres", "qdrant", "redis")
	before := map[string]*corev1.Secret{}
	for _, c := range credentials {
		before[c.name] = get(t, ns, c.name, &corev1.Secret{})
	}

	if err := k8s.Delete(context.Background(), sim); err != nil {
		t.Fatalf("delete simulation: %v", err)
	}
	// The garbage collector is running: owned children do go away.
	waitForGone(t, sim, slices.Concat(mcpChildren("phoenix"), botChildren("phoenix"), postgresChildren("phoenix")))
	for _, c := range credentials {
		if err := retainedFor(ns, c.name, &corev1.Secret{}, sim); err != nil {
			t.Fatalf("after deleting the simulation: %v", err)
		}
	}

	again := newSimulation(ns, "phoenix")
	create(t, again)
	if again.UID == sim.UID {
		t.Fatal("the re-created simulation has the old UID")
	}
	waitForChildren(t, again, defaultChildren("phoenix"))
	for _, c := range credentials {
		after := get(t, ns, c.name, &corev1.Secret{})
		if after.UID != before[c.name].UID || after.ResourceVersion != before[c.name].ResourceVersion ||
			fmt.Sprint(after.Data) != fmt.Sprint(before[c.name].Data) {
			t.Errorf("%s changed when the simulation was re-created; the retained data needs the old password", c.name)
		}
	}
	// The new StatefulSet (owned by the new simulation, as waitForChildren
	// checked) reads the kept password.
	pg := get(t, ns, "phoenix-postgres", &appsv1.StatefulSet{})
	wantEnvFromSecret(t, pg.Spec.Template.Spec.Containers[0], "POSTGRES_PASSWORD", "phoenix-postgres-credentials", "password")
}

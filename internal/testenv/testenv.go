// Package testenv starts a real kube-apiserver and etcd (controller-runtime's
// envtest) with the charsim CRDs and the CSI VolumeSnapshot CRDs installed, for
// the envtest tier. The binaries come from hack/k8s-binaries.sh; a missing
// binary is an error, never a skip, because they can always be built here.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// KubernetesVersion is the version hack/k8s-binaries.sh builds.
const KubernetesVersion = "v1.37.2"

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AssetsDir returns the directory with etcd and kube-apiserver:
// $KUBEBUILDER_ASSETS, or bin/k8s/<version> in the repository.
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "bin", "k8s", KubernetesVersion)
	}
	for _, b := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("envtest binary %s missing in %s: run hack/k8s-binaries.sh (make test does): %w", b, dir, err)
		}
	}
	return dir, nil
}

// SnapshotCRDDir is the CRD directory shipped in the external-snapshotter
// client module (VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotClass
// and the group-snapshot kinds).
func SnapshotCRDDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kubernetes-csi/external-snapshotter/client/v8").Output()
	if err != nil {
		return "", fmt.Errorf("locate external-snapshotter module: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("snapshot CRDs: %w", err)
	}
	return dir, nil
}

// New returns an envtest environment with every CRD the operator uses.
func New() (*envtest.Environment, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	snapshots, err := SnapshotCRDDir()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases"), snapshots},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	// Each simulation takes four ClusterIPs and envtest never deletes
	// namespaces, so its default /24 Service range runs out after about 60
	// simulations (the operator benchmark, `go test -count=N`).
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", ServiceRange)
	return env, nil
}

// ServiceRange is the envtest API server's Service IP range, room for the ClusterIPs of about 250k simulations.
const ServiceRange = "10.96.0.0/12"

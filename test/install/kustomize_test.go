package install

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// kustomizeBuild renders a kustomize directory (relative to the repository
// root) with the pinned kustomize.
func kustomizeBuild(t *testing.T, dir string) []byte {
	t.Helper()
	return run(t, nil, pinnedTool(t, "kustomize", "KUSTOMIZE_VERSION"), "build", dir)
}

// TestKustomizeInstall checks config/default, which `make build-installer`
// writes to dist/install.yaml and `make deploy` applies: every object is
// accepted by the API server and the operator's pod meets Pod Security
// "restricted" in the namespace the install creates.
func TestKustomizeInstall(t *testing.T) {
	objects := decodeManifests(t, kustomizeBuild(t, "config/default"))
	var deployment appsv1.Deployment
	onlyObject(t, objects, "Deployment", &deployment)
	var namespace corev1.Namespace
	namespaceObject := onlyObject(t, objects, "Namespace", &namespace)
	if deployment.Namespace != namespace.Name {
		t.Errorf("Deployment in namespace %q, the install creates %q", deployment.Namespace, namespace.Name)
	}
	if namespace.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s labels %v: Pod Security restricted is not enforced", namespace.Name, namespace.Labels)
	}
	manager := managerContainer(t, &deployment)
	assertProbesOnPort(t, manager, 8081)
	assertCRDsIncluded(t, objects)
	assertWiring(t, objects, &deployment)

	api := cluster(t)
	// A dry run stores nothing, and the namespaced objects need their
	// namespace to exist: create the install's own Namespace for real.
	api.apply(t, namespaceObject)
	api.dryRunApply(t, objects)
	api.dryRunPodOf(t, &deployment)
}

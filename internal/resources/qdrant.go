package resources

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Managed Qdrant settings.
const (
	QdrantHTTPPort int32 = 6333
	QdrantGRPCPort int32 = 6334

	qdrantHTTPPortName = "http"
	qdrantGRPCPortName = "grpc"
	volumeSnapshots    = "snapshots"
	volumeInit         = "init"
)

var defaultQdrantSize = resource.MustParse("20Gi")

// QdrantURL is the gRPC URL of a managed Qdrant, which the MCP server uses.
func QdrantURL(sim string) string {
	return fmt.Sprintf("http://%s:%d", QdrantName(sim), QdrantGRPCPort)
}

// qdrantManaged reports whether the operator runs Qdrant for the simulation.
func qdrantManaged(sim *v1alpha1.CharacterSimulation) bool {
	return sim.Spec.Qdrant.ModeOrInferred() == v1alpha1.QdrantManaged
}

// qdrantObjects runs the managed Qdrant; an external or disabled one needs
// none.
func qdrantObjects(sim *v1alpha1.CharacterSimulation) ([]Object, error) {
	spec := sim.Spec.Qdrant
	if !qdrantManaged(sim) {
		return nil, nil
	}
	container := corev1ac.Container().
		WithName(ComponentQdrant).
		WithImage(spec.Image).
		WithPorts(
			containerPort(qdrantHTTPPortName, QdrantHTTPPort),
			containerPort(qdrantGRPCPortName, QdrantGRPCPort),
		).
		WithEnv(
			envSecret("QDRANT__SERVICE__API_KEY", QdrantCredentialsName(sim.Name), KeyAPIKey),
			// Qdrant writes this marker file at start; the root filesystem is read-only.
			envValue("QDRANT_INIT_FILE_PATH", "/qdrant/init/.qdrant-initialized"),
		).
		WithResources(resources(spec.Resources)).
		WithSecurityContext(restrictedContainerSecurityContext()).
		WithVolumeMounts(
			mount(DataVolumeName, "/qdrant/storage"),
			mount(volumeSnapshots, "/qdrant/snapshots"),
			mount(volumeInit, "/qdrant/init"),
			mount(volumeTmp, "/tmp"),
		).
		// The health endpoints are exempt from the API key.
		WithStartupProbe(httpProbe("/readyz", qdrantHTTPPortName).WithPeriodSeconds(5).WithFailureThreshold(60)).
		WithReadinessProbe(httpProbe("/readyz", qdrantHTTPPortName).WithPeriodSeconds(10)).
		WithLivenessProbe(httpProbe("/livez", qdrantHTTPPortName).WithPeriodSeconds(10).WithFailureThreshold(6))
	return storeObjects(sim, storeParams{
		component:   ComponentQdrant,
		name:        QdrantName(sim.Name),
		headless:    QdrantHeadlessName(sim.Name),
		field:       "spec.qdrant",
		uid:         qdrantUID,
		storage:     spec.Storage,
		defaultSize: defaultQdrantSize,
		scheduling:  spec.PodScheduling,
		ports: []*corev1ac.ServicePortApplyConfiguration{
			servicePort(qdrantHTTPPortName, QdrantHTTPPort),
			servicePort(qdrantGRPCPortName, QdrantGRPCPort),
		},
		container: container,
		volumes: []*corev1ac.VolumeApplyConfiguration{
			emptyDir(volumeSnapshots), emptyDir(volumeInit), emptyDir(volumeTmp),
		},
	})
}

// QdrantExternalCollection is the collection of a simulation on an external
// Qdrant: spec.qdrant.external.collection, or one of its own derived from
// the namespace and the name, which together are unique. (A managed Qdrant
// belongs to one simulation and keeps the server's default collection.)
func QdrantExternalCollection(sim *v1alpha1.CharacterSimulation) string {
	if ext := sim.Spec.Qdrant.External; ext != nil && ext.Collection != "" {
		return ext.Collection
	}
	return "charsim_" + sim.Namespace + "_" + strings.ReplaceAll(sim.Name, ".", "_")
}

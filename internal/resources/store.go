package resources

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// storeParams is what differs between the managed data stores (PostgreSQL,
// Qdrant, Redis), which all run as a one-replica StatefulSet with a volume,
// a headless governing Service and a client Service.
type storeParams struct {
	component   string
	name        string // StatefulSet and client Service
	headless    string // governing Service
	field       string // spec path, for error messages
	uid         int64
	storage     *v1alpha1.StorageSpec
	defaultSize resource.Quantity
	scheduling  v1alpha1.PodScheduling
	ports       []*corev1ac.ServicePortApplyConfiguration
	container   *corev1ac.ContainerApplyConfiguration
	volumes     []*corev1ac.VolumeApplyConfiguration
}

// storeStatefulSet runs a managed data store. Its volume claims are retained
// when the StatefulSet is deleted or scaled, so data outlives the simulation.
func storeStatefulSet(sim *v1alpha1.CharacterSimulation, p storeParams) (*appsv1ac.StatefulSetApplyConfiguration, error) {
	pod, err := podTemplate(sim, p.field, podParams{
		component:  p.component,
		uid:        p.uid,
		scheduling: p.scheduling,
		containers: []*corev1ac.ContainerApplyConfiguration{p.container},
		volumes:    p.volumes,
	})
	if err != nil {
		return nil, err
	}
	return appsv1ac.StatefulSet(p.name, sim.Namespace).
		WithLabels(Labels(sim, p.component)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(appsv1ac.StatefulSetSpec().
			WithReplicas(replicas(sim, 1)).
			WithServiceName(p.headless).
			WithSelector(labelSelector(SelectorLabels(sim, p.component))).
			WithTemplate(pod).
			WithVolumeClaimTemplates(dataClaim(sim, p.component, p.storage, p.defaultSize)).
			WithPersistentVolumeClaimRetentionPolicy(appsv1ac.StatefulSetPersistentVolumeClaimRetentionPolicy().
				WithWhenDeleted(appsv1.RetainPersistentVolumeClaimRetentionPolicyType).
				WithWhenScaled(appsv1.RetainPersistentVolumeClaimRetentionPolicyType))), nil
}

// dataClaim is the StatefulSet's volume claim template "data". The claims
// carry the simulation's labels so backups can find them. A claim template
// is immutable once the StatefulSet exists: change nothing here but the size,
// which the reconciler handles by replacing the StatefulSet.
func dataClaim(sim *v1alpha1.CharacterSimulation, component string, storage *v1alpha1.StorageSpec, defaultSize resource.Quantity) *corev1ac.PersistentVolumeClaimApplyConfiguration {
	spec := corev1ac.PersistentVolumeClaimSpec().WithAccessModes(corev1.ReadWriteOnce)
	if storage != nil && storage.StorageClassName != nil {
		spec.WithStorageClassName(*storage.StorageClassName)
	}
	spec.WithResources(corev1ac.VolumeResourceRequirements().
		WithRequests(corev1.ResourceList{corev1.ResourceStorage: storageSize(storage, defaultSize)}))
	// Built by hand rather than with corev1ac.PersistentVolumeClaim: a claim
	// template carries no apiVersion/kind of its own.
	claim := &corev1ac.PersistentVolumeClaimApplyConfiguration{}
	return claim.WithName(DataVolumeName).
		WithLabels(Labels(sim, component)).
		WithSpec(spec)
}

// storeServices are the client Service (stable name the MCP server connects
// to) and the headless governing Service of a managed store.
func storeServices(sim *v1alpha1.CharacterSimulation, p storeParams) []*corev1ac.ServiceApplyConfiguration {
	selector := SelectorLabels(sim, p.component)
	client := corev1ac.Service(p.name, sim.Namespace).
		WithLabels(Labels(sim, p.component)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(selector).
			WithPorts(p.ports...))
	headless := corev1ac.Service(p.headless, sim.Namespace).
		WithLabels(Labels(sim, p.component)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(corev1ac.ServiceSpec().
			WithClusterIP(corev1.ClusterIPNone).
			WithPublishNotReadyAddresses(true).
			WithSelector(selector).
			WithPorts(p.ports...))
	return []*corev1ac.ServiceApplyConfiguration{client, headless}
}

// servicePort exposes a named container port under the same name and number.
func servicePort(name string, port int32) *corev1ac.ServicePortApplyConfiguration {
	return corev1ac.ServicePort().
		WithName(name).
		WithPort(port).
		WithTargetPort(intstr.FromString(name)).
		WithProtocol(corev1.ProtocolTCP)
}

// storeObjects is the StatefulSet and both Services of a managed store.
func storeObjects(sim *v1alpha1.CharacterSimulation, p storeParams) ([]Object, error) {
	sts, err := storeStatefulSet(sim, p)
	if err != nil {
		return nil, fmt.Errorf("%s statefulset: %w", p.component, err)
	}
	objs := []Object{sts}
	for _, svc := range storeServices(sim, p) {
		objs = append(objs, svc)
	}
	return objs, nil
}

// replicas is want, or zero while the simulation is suspended.
func replicas(sim *v1alpha1.CharacterSimulation, want int32) int32 {
	if sim.Spec.Suspend {
		return 0
	}
	return want
}

// DataVolumeName is the volume claim template of every managed store.
const DataVolumeName = "data"

// DataVolume is the persistent volume of one managed store.
type DataVolume struct {
	// Component is the store: postgres, qdrant or redis.
	Component string
	// StatefulSet runs the store; its claim is DataClaimName(StatefulSet).
	StatefulSet string
	// Size is the capacity the spec asks for.
	Size resource.Quantity
}

// DataVolumes lists the volumes of the simulation's managed stores.
func DataVolumes(sim *v1alpha1.CharacterSimulation) []DataVolume {
	var out []DataVolume
	if sim.Spec.Postgres.External == nil {
		out = append(out, DataVolume{ComponentPostgres, PostgresName(sim.Name), storageSize(sim.Spec.Postgres.Storage, defaultPostgresSize)})
	}
	if qdrantManaged(sim) {
		out = append(out, DataVolume{ComponentQdrant, QdrantName(sim.Name), storageSize(sim.Spec.Qdrant.Storage, defaultQdrantSize)})
	}
	if sim.Spec.Redis.Mode == v1alpha1.RedisManaged {
		out = append(out, DataVolume{ComponentRedis, RedisName(sim.Name), storageSize(sim.Spec.Redis.Storage, defaultRedisSize)})
	}
	return out
}

// DataClaimName is the claim the StatefulSet controller makes from the data
// template for a store's one replica.
func DataClaimName(statefulSet string) string {
	return DataVolumeName + "-" + statefulSet + "-0"
}

// storageSize is the size the spec asks for, or the store's default.
func storageSize(storage *v1alpha1.StorageSpec, defaultSize resource.Quantity) resource.Quantity {
	if storage != nil && storage.Size != nil {
		return *storage.Size
	}
	return defaultSize
}

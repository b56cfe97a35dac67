package controllers

import (
	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/internal/resources"
)

// childKind is one kind of object a simulation owns.
type childKind struct {
	kind    string
	object  func() client.Object
	newList func() client.ObjectList
}

// metadataOnly reports whether the kind is watched and cached as metadata
// only (its newList is a metadataList).
func (k childKind) metadataOnly() bool {
	_, ok := k.newList().(*metav1.PartialObjectMetadataList)
	return ok
}

// metadataList lists the metadata of a kind without its content.
func metadataList(gv schema.GroupVersion, kind string) func() client.ObjectList {
	return func() client.ObjectList {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gv.WithKind(kind + "List"))
		return list
	}
}

// childKinds are every kind the CharacterSimulation reconciler creates. The
// watches, the cache and the pruning of obsolete children all use this list.
//
// Of kinds whose content the reconciler never reads (it only applies them
// and prunes them by name, owner and labels) the cache holds the metadata
// alone: a fraction of the memory, and no cached copy of the generated
// credentials. Read such a kind from the cache as
// metav1.PartialObjectMetadata; a typed read would start a second informer
// holding every object in full.
var childKinds = []childKind{
	{"StatefulSet", func() client.Object { return &appsv1.StatefulSet{} }, func() client.ObjectList { return &appsv1.StatefulSetList{} }},
	{"Deployment", func() client.Object { return &appsv1.Deployment{} }, func() client.ObjectList { return &appsv1.DeploymentList{} }},
	{"Service", func() client.Object { return &corev1.Service{} }, metadataList(corev1.SchemeGroupVersion, "Service")},
	{"ServiceAccount", func() client.Object { return &corev1.ServiceAccount{} }, metadataList(corev1.SchemeGroupVersion, "ServiceAccount")},
	{"Secret", func() client.Object { return &corev1.Secret{} }, metadataList(corev1.SchemeGroupVersion, "Secret")},
	{"NetworkPolicy", func() client.Object { return &networkingv1.NetworkPolicy{} }, metadataList(networkingv1.SchemeGroupVersion, "NetworkPolicy")},
	{"Ingress", func() client.Object { return &networkingv1.Ingress{} }, metadataList(networkingv1.SchemeGroupVersion, "Ingress")},
	{"PodDisruptionBudget", func() client.Object { return &policyv1.PodDisruptionBudget{} }, metadataList(policyv1.SchemeGroupVersion, "PodDisruptionBudget")},
	{"CronJob", func() client.Object { return &batchv1.CronJob{} }, metadataList(batchv1.SchemeGroupVersion, "CronJob")},
	{"Role", func() client.Object { return &rbacv1.Role{} }, metadataList(rbacv1.SchemeGroupVersion, "Role")},
	{"RoleBinding", func() client.Object { return &rbacv1.RoleBinding{} }, metadataList(rbacv1.SchemeGroupVersion, "RoleBinding")},
}

// CacheOptions restricts the manager's cache of child kinds to objects the
// operator manages. Without it the manager would hold every Secret, Service
// and Deployment of the cluster in memory; the operator never reads others.
func CacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{resources.LabelManagedBy: resources.ManagedBy})
	byObject := map[client.Object]cache.ByObject{}
	for _, k := range childKinds {
		byObject[k.object()] = cache.ByObject{Label: managed}
	}
	// The backups' snapshots, watched by the SimulationBackup controller.
	byObject[&snapshotv1.VolumeSnapshot{}] = cache.ByObject{Label: managed}
	byObject[&groupsnapshotv1.VolumeGroupSnapshot{}] = cache.ByObject{Label: managed}
	return cache.Options{
		ByObject: byObject,
		// Server-side apply computes field ownership on the server; the
		// reconciler never reads it, and on a StatefulSet it is about as
		// large as the spec.
		DefaultTransform: cache.TransformStripManagedFields(),
	}
}

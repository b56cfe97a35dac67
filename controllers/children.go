package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
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

// childKinds are every kind the CharacterSimulation reconciler creates. The
// watches, the cache and the pruning of obsolete children all use this list.
var childKinds = []childKind{
	{"StatefulSet", func() client.Object { return &appsv1.StatefulSet{} }, func() client.ObjectList { return &appsv1.StatefulSetList{} }},
	{"Deployment", func() client.Object { return &appsv1.Deployment{} }, func() client.ObjectList { return &appsv1.DeploymentList{} }},
	{"Service", func() client.Object { return &corev1.Service{} }, func() client.ObjectList { return &corev1.ServiceList{} }},
	{"ServiceAccount", func() client.Object { return &corev1.ServiceAccount{} }, func() client.ObjectList { return &corev1.ServiceAccountList{} }},
	{"Secret", func() client.Object { return &corev1.Secret{} }, func() client.ObjectList { return &corev1.SecretList{} }},
	{"NetworkPolicy", func() client.Object { return &networkingv1.NetworkPolicy{} }, func() client.ObjectList { return &networkingv1.NetworkPolicyList{} }},
	{"PodDisruptionBudget", func() client.Object { return &policyv1.PodDisruptionBudget{} }, func() client.ObjectList { return &policyv1.PodDisruptionBudgetList{} }},
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
	return cache.Options{ByObject: byObject}
}

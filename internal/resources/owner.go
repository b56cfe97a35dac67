package resources

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// controllerRef makes the simulation the controller owner of a child, so the
// child is garbage-collected with it and its changes wake the reconciler.
func controllerRef(sim *v1alpha1.CharacterSimulation) metav1.OwnerReference {
	return *metav1.NewControllerRef(sim, v1alpha1.GroupVersion.WithKind("CharacterSimulation"))
}

// ownerReference is controllerRef as an apply configuration.
func ownerReference(sim *v1alpha1.CharacterSimulation) *metav1ac.OwnerReferenceApplyConfiguration {
	ref := controllerRef(sim)
	return metav1ac.OwnerReference().
		WithAPIVersion(ref.APIVersion).
		WithKind(ref.Kind).
		WithName(ref.Name).
		WithUID(ref.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

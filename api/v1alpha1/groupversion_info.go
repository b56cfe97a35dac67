// Package v1alpha1 contains the charsim.mojin.dev/v1alpha1 API: the
// CharacterSimulation kind, which describes a whole character-simulation stack,
// and the SimulationBackup kind, one snapshot backup of such a stack.
//
// Validation lives in the markers (OpenAPI and CEL x-kubernetes-validations),
// so the API server refuses an invalid object before the operator ever sees it.
//
// +kubebuilder:object:generate=true
// +groupName=charsim.mojin.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of these types.
	GroupVersion = schema.GroupVersion{Group: "charsim.mojin.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types in this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

package main

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/labelled"
)

// kinds are the kinds listed by the simulation's label, in the order the tree
// shows them: the children, then what backups and user tooling add. Kinds
// the cluster does not serve (VolumeSnapshot without the snapshot CRDs,
// SimulationBackup before its CRD) are left out.
var kinds = slices.Concat(labelled.ChildKinds, []schema.GroupVersionKind{
	{Version: "v1", Kind: "ConfigMap"},
	{Group: "batch", Version: "v1", Kind: "Job"},
	{Group: "charsim.mojin.dev", Version: "v1alpha1", Kind: "SimulationBackup"},
	{Group: "snapshot.storage.k8s.io", Version: "v1", Kind: "VolumeSnapshot"},
})

// collect reads the simulation and every object labelled with its name; the
// simulation comes first.
func collect(ctx context.Context, c client.Client, namespace, name string) ([]*unstructured.Unstructured, error) {
	sim := &unstructured.Unstructured{}
	sim.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("CharacterSimulation"))
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, sim); err != nil {
		return nil, fmt.Errorf("get CharacterSimulation %s/%s: %w", namespace, name, err)
	}
	children, err := labelled.List(ctx, c, namespace, name, kinds)
	if err != nil {
		return nil, err
	}
	return append([]*unstructured.Unstructured{sim}, children...), nil
}

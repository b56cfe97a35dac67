// Package labelled lists the objects that carry a simulation's label
// (resources.LabelSimulation), whatever their kind: what the operator made for
// the simulation and what its workloads made in turn. The tree tool shows
// them; the end-to-end tests check them.
package labelled

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/internal/resources"
)

// ChildKinds are the kinds that carry the label: what the operator makes for
// a simulation (its applied children, generated Secrets, the stores' volume
// claims) and what its workloads make in turn (ReplicaSets, Pods).
var ChildKinds = []schema.GroupVersionKind{
	{Group: "apps", Version: "v1", Kind: "StatefulSet"},
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet"},
	{Version: "v1", Kind: "Pod"},
	{Version: "v1", Kind: "PersistentVolumeClaim"},
	{Version: "v1", Kind: "Service"},
	{Version: "v1", Kind: "ServiceAccount"},
	{Version: "v1", Kind: "Secret"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
	{Group: "batch", Version: "v1", Kind: "CronJob"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding"},
}

// List returns the objects in namespace labelled with the simulation's name,
// kind by kind in the order of kinds, each with its kind set. Kinds the
// cluster does not serve (VolumeSnapshot without the snapshot CRDs, say) are
// left out rather than failing the whole listing.
func List(ctx context.Context, c client.Reader, namespace, simulation string, kinds []schema.GroupVersionKind) ([]*unstructured.Unstructured, error) {
	var objects []*unstructured.Unstructured
	for _, gvk := range kinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{resources.LabelSimulation: simulation})
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", gvk.Kind, err)
		}
		for i := range list.Items {
			item := &list.Items[i]
			item.SetGroupVersionKind(gvk)
			objects = append(objects, item)
		}
	}
	return objects, nil
}

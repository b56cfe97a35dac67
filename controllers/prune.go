package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// childKey names a child by kind and name.
type childKey struct{ kind, name string }

// wantedChildren are the keys of every child the simulation should have now.
func wantedChildren(sim *v1alpha1.CharacterSimulation, desired []resources.Object) map[childKey]bool {
	wanted := map[childKey]bool{}
	for _, o := range desired {
		wanted[childKey{*o.GetKind(), *o.GetName()}] = true
	}
	for _, g := range resources.GeneratedSecrets(sim) {
		wanted[childKey{"Secret", g.Name}] = true
	}
	return wanted
}

// prune deletes the children the simulation controls but no longer wants,
// e.g. Redis objects after Redis is disabled or the PodDisruptionBudget after
// scaling down to one replica. Volume claims and the stores' credentials are
// never children: they outlive their StatefulSet (and the simulation) by
// design, so a store switched off and on again finds its data and password.
func (r *CharacterSimulationReconciler) prune(ctx context.Context, sim *v1alpha1.CharacterSimulation, wanted map[childKey]bool) error {
	for _, k := range childKinds {
		list := k.newList()
		if err := r.List(ctx, list, client.InNamespace(sim.Namespace),
			client.MatchingLabels{resources.LabelSimulation: sim.Name}); err != nil {
			return fmt.Errorf("list %s children: %w", k.kind, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return fmt.Errorf("read %s list: %w", k.kind, err)
		}
		for _, item := range items {
			obj, ok := item.(client.Object)
			if !ok {
				return fmt.Errorf("%s list holds a %T", k.kind, item)
			}
			owner := metav1.GetControllerOf(obj)
			if owner == nil || owner.UID != sim.UID || wanted[childKey{k.kind, obj.GetName()}] {
				continue
			}
			// The UID precondition makes sure a same-named object created
			// since the list was read is not deleted by mistake.
			err := r.Delete(ctx, obj, client.Preconditions{UID: ptr.To(obj.GetUID())}, client.PropagationPolicy(metav1.DeletePropagationBackground))
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete obsolete %s %s: %w", k.kind, obj.GetName(), err)
			}
			logf.FromContext(ctx).Info("Deleted obsolete child", "kind", k.kind, "name", obj.GetName())
		}
	}
	return nil
}

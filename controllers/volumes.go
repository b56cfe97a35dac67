package controllers

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// expandVolumes carries out a storage size increase of a managed store. A
// StatefulSet's volume claim templates are immutable, so the existing claim
// is expanded in place and the StatefulSet is deleted with its pods orphaned;
// the next apply recreates it with the new template and it adopts the
// running pods. It returns the StatefulSets still being replaced, which must
// not be applied until they are gone.
func (r *CharacterSimulationReconciler) expandVolumes(ctx context.Context, sim *v1alpha1.CharacterSimulation) (map[string]bool, error) {
	replacing := map[string]bool{}
	for _, v := range resources.DataVolumes(sim) {
		sts, err := getOptional(ctx, r.Client, sim.Namespace, v.StatefulSet, &appsv1.StatefulSet{})
		if err != nil {
			return nil, err
		}
		if sts == nil {
			continue
		}
		if !sts.DeletionTimestamp.IsZero() {
			replacing[v.StatefulSet] = true
			continue
		}
		if v.Size.Cmp(templateSize(sts)) <= 0 {
			continue
		}
		if err := r.expandClaim(ctx, sim.Namespace, resources.DataClaimName(v.StatefulSet), v.Size); err != nil {
			return nil, err
		}
		err = r.Delete(ctx, sts, client.Preconditions{UID: &sts.UID}, client.PropagationPolicy(metav1.DeletePropagationOrphan))
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("replace StatefulSet %s for its new volume size: %w", v.StatefulSet, err)
		}
		logf.FromContext(ctx).Info("Replacing StatefulSet for a larger volume", "statefulSet", v.StatefulSet, "size", v.Size.String())
		r.Recorder.Eventf(sim, sts, corev1.EventTypeNormal, "VolumeExpanding", "Reconcile",
			"Expanding the %s volume to %s; StatefulSet %s is recreated with the new claim template, its pods keep running",
			v.Component, v.Size.String(), v.StatefulSet)
		replacing[v.StatefulSet] = true
	}
	return replacing, nil
}

// templateSize is the size of the StatefulSet's data claim template.
func templateSize(sts *appsv1.StatefulSet) resource.Quantity {
	for _, t := range sts.Spec.VolumeClaimTemplates {
		if t.Name == resources.DataVolumeName {
			return t.Spec.Resources.Requests[corev1.ResourceStorage]
		}
	}
	return resource.Quantity{}
}

// expandClaim raises a volume claim's requested size. Claims are not cached
// (the operator does not own them), so it reads through the API reader. A
// missing claim needs nothing: the new template creates it at the new size.
func (r *CharacterSimulationReconciler) expandClaim(ctx context.Context, namespace, name string, size resource.Quantity) error {
	pvc := &corev1.PersistentVolumeClaim{}
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, pvc)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get volume claim %s: %w", name, err)
	}
	if pvc.Spec.Resources.Requests.Storage().Cmp(size) >= 0 {
		return nil
	}
	patch := client.MergeFrom(pvc.DeepCopy())
	if pvc.Spec.Resources.Requests == nil {
		pvc.Spec.Resources.Requests = corev1.ResourceList{}
	}
	pvc.Spec.Resources.Requests[corev1.ResourceStorage] = size
	if err := r.Patch(ctx, pvc, patch, client.FieldOwner(FieldOwner)); err != nil {
		return fmt.Errorf("expand volume claim %s to %s (its StorageClass must allow volume expansion): %w", name, size.String(), err)
	}
	return nil
}

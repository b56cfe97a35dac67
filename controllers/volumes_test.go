package controllers

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// TestStorageGrowthExpandsTheClaim: a larger spec size expands the existing
// claim and replaces the StatefulSet (whose claim template is immutable)
// without deleting its pods or the claim.
func TestStorageGrowthExpandsTheClaim(t *testing.T) {
	startManager(t)
	ctx := context.Background()
	ns := newNamespace(t)
	class := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{GenerateName: "expandable-"},
		Provisioner:          "example.org/csi",
		AllowVolumeExpansion: ptr.To(true),
	}
	create(t, class)
	t.Cleanup(func() { _ = k8s.Delete(ctx, class) })

	sim := newSimulation(ns, "grow")
	sim.Spec.Postgres.Storage = &v1alpha1.StorageSpec{Size: ptr.To(quantity("10Gi")), StorageClassName: &class.Name}
	create(t, sim)
	waitForChildren(t, sim, []child{{"grow-postgres", sts, owned}})
	old := get(t, ns, "grow-postgres", &appsv1.StatefulSet{})

	// The bound claim the StatefulSet controller and a provisioner would have made.
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: resources.DataClaimName("grow-postgres")},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: &class.Name,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: quantity("10Gi")}},
		},
	}
	create(t, pvc)
	pvc.Status = corev1.PersistentVolumeClaimStatus{
		Phase:    corev1.ClaimBound,
		Capacity: corev1.ResourceList{corev1.ResourceStorage: quantity("10Gi")},
	}
	if err := k8s.Status().Update(ctx, pvc); err != nil {
		t.Fatalf("bind claim: %v", err)
	}

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Postgres.Storage.Size = ptr.To(quantity("25Gi")) })

	eventually(t, "claim expanded", func() error {
		got := get(t, ns, pvc.Name, &corev1.PersistentVolumeClaim{})
		if got.Spec.Resources.Requests.Storage().Cmp(quantity("25Gi")) != 0 {
			return fmt.Errorf("claim requests %s", got.Spec.Resources.Requests.Storage())
		}
		return nil
	})
	// Play the garbage collector: it finishes an orphaning delete by removing
	// the orphan finalizer (envtest runs no controllers).
	eventually(t, "old StatefulSet is deleted orphaning its pods", func() error {
		s := &appsv1.StatefulSet{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(old), s); err != nil {
			return err
		}
		if s.UID != old.UID {
			return nil // already replaced
		}
		if s.DeletionTimestamp.IsZero() {
			return fmt.Errorf("not being deleted yet")
		}
		if len(s.Finalizers) != 1 || s.Finalizers[0] != metav1.FinalizerOrphanDependents {
			return fmt.Errorf("finalizers %v, want only %s", s.Finalizers, metav1.FinalizerOrphanDependents)
		}
		patch := client.MergeFrom(s.DeepCopy())
		s.Finalizers = nil
		return k8s.Patch(ctx, s, patch)
	})
	eventually(t, "StatefulSet recreated with the new claim template", func() error {
		s := &appsv1.StatefulSet{}
		if err := ownedBy(ns, "grow-postgres", s, sim); err != nil {
			return err
		}
		if s.UID == old.UID {
			return fmt.Errorf("still the old StatefulSet")
		}
		if size := templateSize(s); size.Cmp(quantity("25Gi")) != 0 {
			return fmt.Errorf("template size %s", size.String())
		}
		return nil
	})
	if got := get(t, ns, pvc.Name, &corev1.PersistentVolumeClaim{}); got.UID != pvc.UID || !got.DeletionTimestamp.IsZero() {
		t.Error("the data claim was replaced or is being deleted")
	}
}

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// The user-supplied Secrets (Discord token, API keys, external store URLs)
// carry no charsim labels, so the manager's label-filtered cache never sees
// them. Pods read a Secret only when they start, so a changed Secret must
// change the pod template: the reconciler puts a hash of the referenced
// Secrets' resourceVersions into it (resources.AnnotationSecretsHash).
//
// The versions come from a cache of its own that holds only the metadata of
// Secrets, stripped to namespace, name, labels and resourceVersion. Of the ways to
// watch unlabelled Secrets this one needs the least:
//   - no new permission: list and watch of Secrets are granted already for
//     the generated credentials (RBAC cannot grant metadata alone anyway);
//   - little memory: a few dozen bytes per Secret of the cluster, where
//     caching whole Secrets would hold every certificate and Helm release;
//   - the operator never holds a user's credential: not the data, and not
//     kubectl's last-applied-configuration annotation, which copies it.
// Reading each Secret through the API reader instead would still need a watch
// to notice changes, and would fetch the values on every reconcile.
//
// A separate cache is needed because the manager's cache applies its Secret
// label filter to metadata-only watches too (its filters are per kind).

// secretsReadIndex indexes simulations by the name of every Secret their pods
// read: the user's and the generated ones, so that deleting a retained store
// credential Secret (which has no owner to map it back) also wakes its
// simulation.
const secretsReadIndex = "charsim.mojin.dev/secrets-read"

// secretKind is the GroupVersionKind of the metadata-only Secret objects.
var secretKind = corev1.SchemeGroupVersion.WithKind("Secret")

// secretsRead are the index values of a simulation.
func secretsRead(obj client.Object) []string {
	sim, ok := obj.(*v1alpha1.CharacterSimulation)
	if !ok {
		return nil
	}
	names := resources.UserSecretNames(sim)
	for _, g := range resources.GeneratedSecrets(sim) {
		names = append(names, g.Name)
	}
	return names
}

// newSecretMetadataCache is the cache of Secret metadata described above.
func newSecretMetadataCache(mgr ctrl.Manager) (cache.Cache, error) {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient:       mgr.GetHTTPClient(),
		Scheme:           mgr.GetScheme(),
		Mapper:           mgr.GetRESTMapper(),
		DefaultTransform: keepSecretIdentity,
	})
	if err != nil {
		return nil, fmt.Errorf("create the Secret metadata cache: %w", err)
	}
	return c, nil
}

// keepSecretIdentity drops everything but what the hash, the index lookup
// and userSecretCreated need from a Secret's metadata before it is cached.
func keepSecretIdentity(in any) (any, error) {
	m, ok := in.(*metav1.PartialObjectMetadata)
	if !ok {
		return in, nil
	}
	m.ObjectMeta = metav1.ObjectMeta{Namespace: m.Namespace, Name: m.Name, ResourceVersion: m.ResourceVersion, Labels: m.Labels}
	return m, nil
}

// userSecretCreated passes the creation of a Secret the user made (a Secret
// the pods were waiting for), and drops that of a generated one: the
// reconcile that created it needs no second run.
func userSecretCreated(e event.TypedCreateEvent[*metav1.PartialObjectMetadata]) bool {
	return e.Object.GetLabels()[resources.LabelManagedBy] != resources.ManagedBy
}

// newSecretMetadata is an empty metadata-only Secret.
func newSecretMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(secretKind)
	return m
}

// userSecretVersions reads the versions of the user Secrets the simulation
// references. A missing Secret is left out: pods wait for it, and its
// creation changes the hash.
func (r *CharacterSimulationReconciler) userSecretVersions(ctx context.Context, sim *v1alpha1.CharacterSimulation) (resources.SecretVersions, error) {
	versions := resources.SecretVersions{}
	for _, name := range resources.UserSecretNames(sim) {
		m := newSecretMetadata()
		err := r.secretMetadata.Get(ctx, client.ObjectKey{Namespace: sim.Namespace, Name: name}, m)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the version of Secret %s: %w", name, err)
		}
		versions[name] = m.ResourceVersion
	}
	return versions, nil
}

// simulationsReading maps a Secret to the simulations whose pods read it.
func (r *CharacterSimulationReconciler) simulationsReading(ctx context.Context, secret *metav1.PartialObjectMetadata) []reconcile.Request {
	var sims v1alpha1.CharacterSimulationList
	if err := r.List(ctx, &sims, client.InNamespace(secret.Namespace), client.MatchingFields{secretsReadIndex: secret.Name}); err != nil {
		logf.FromContext(ctx).Error(err, "List the simulations reading a Secret", "secret", secret.Name, "namespace", secret.Namespace)
		return nil
	}
	requests := make([]reconcile.Request, 0, len(sims.Items))
	for _, sim := range sims.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&sim)})
	}
	return requests
}

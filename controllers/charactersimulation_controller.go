// Package controllers holds the charsim reconcilers. They are thin: read the
// custom resource, call the pure builders in internal/resources, apply the
// result with server-side apply, and write back status only when it changed.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// FieldOwner is the server-side apply field manager of everything the
// operator writes.
const FieldOwner = "charsim-operator"

// MaxConcurrentReconciles is how many simulations the manager reconciles at
// once.
const MaxConcurrentReconciles = 1

// conflictRetryDelay is how long to wait before recomputing a status whose
// write lost an optimistic-concurrency race.
const conflictRetryDelay = time.Second

// CharacterSimulationReconciler turns a CharacterSimulation into its stores,
// MCP server, Discord bot and network policies.
type CharacterSimulationReconciler struct {
	client.Client
	// APIReader reads objects the operator does not watch (volume claims)
	// straight from the API server.
	APIReader client.Reader
	// Recorder reports condition changes and generated Secrets as Events.
	Recorder events.EventRecorder
	// Options are the operator-wide defaults (images).
	Options resources.Options

	// secretMetadata caches the metadata of every Secret; SetupWithManager
	// creates it (see usersecrets.go).
	secretMetadata cache.Cache
	// apis tells whether the cluster serves group snapshots (see
	// backup_schedule.go).
	apis *apiDiscovery
}

// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=charactersimulations,verbs=get;list;watch
// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=charactersimulations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=charactersimulations/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=statefulsets;deployments,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services;serviceaccounts,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies;ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one simulation's children to the desired state. Applying
// an unchanged intent is a no-op on the API server, so a converged
// simulation makes no writes at all.
func (r *CharacterSimulationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sim := &v1alpha1.CharacterSimulation{}
	if err := r.Get(ctx, req.NamespacedName, sim); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !sim.DeletionTimestamp.IsZero() {
		// The garbage collector removes the children; volumes are retained.
		return ctrl.Result{}, nil
	}

	secrets, err := r.userSecretVersions(ctx, sim)
	if err != nil {
		return ctrl.Result{}, err
	}
	desired, err := resources.Desired(sim, r.Options, secrets)
	if err != nil {
		// Only a spec the API validation let through fails here; retrying
		// cannot help until the spec changes, which triggers a new reconcile.
		r.Recorder.Eventf(sim, nil, corev1.EventTypeWarning, "InvalidSpec", "Reconcile", "%v", err)
		return ctrl.Result{}, reconcile.TerminalError(fmt.Errorf("build desired objects: %w", err))
	}
	restore, err := r.restoreVolumes(ctx, sim)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.ensureSecrets(ctx, sim, restore.holdSecrets); err != nil {
		return ctrl.Result{}, err
	}
	replacing, err := r.expandVolumes(ctx, sim)
	if err != nil {
		return ctrl.Result{}, err
	}
	// One child failing to apply does not hold back the others, nor the
	// status that reports what is running.
	var errs []error
	applied := map[childKey]resources.Object{}
	for _, obj := range desired {
		if *obj.GetKind() == "StatefulSet" && replacing[*obj.GetName()] {
			// Applied again once the old one is gone; its deletion is a watched event.
			continue
		}
		if *obj.GetKind() == "StatefulSet" && restore.hold[*obj.GetName()] {
			// Its volume must come from the backup first (see restore.go).
			continue
		}
		if err := r.Apply(ctx, obj, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			err = fmt.Errorf("apply %s %s: %w", *obj.GetKind(), *obj.GetName(), err)
			if ctx.Err() == nil {
				r.Recorder.Eventf(sim, nil, corev1.EventTypeWarning, "ApplyFailed", "Reconcile", "%v", err)
			}
			errs = append(errs, err)
			continue
		}
		applied[childKey{*obj.GetKind(), *obj.GetName()}] = obj
	}
	if err := r.prune(ctx, sim, wantedChildren(sim, desired)); err != nil {
		errs = append(errs, err)
	}

	obs, err := r.observe(ctx, sim, applied)
	if err == nil {
		obs.Backup, err = r.observeBackup(ctx, sim, applied, restore)
	}
	if err != nil {
		return ctrl.Result{}, errors.Join(append(errs, err)...)
	}
	err = r.updateStatus(ctx, sim, obs)
	if apierrors.IsConflict(err) && len(errs) == 0 {
		// The cached simulation was older than the stored one (often our own
		// previous status write). A status change is not a watched event, so
		// come back once the cache has caught up.
		logf.FromContext(ctx).V(1).Info("Status update conflicted, retrying", "error", err.Error())
		return ctrl.Result{RequeueAfter: conflictRetryDelay}, nil
	}
	return ctrl.Result{}, errors.Join(append(errs, err)...)
}

// SetupWithManager registers the controller. Spec changes (generation) and
// annotation changes (a way to ask for a reconcile) of the simulation wake
// it, and so does any change to a child, status included, because readiness
// is computed from the children's status, and any change to a Secret the
// simulation's pods read.
//
// The creation of a child does not: only the reconciler creates children,
// and the reconcile that did has already computed the status from what the
// API server returned. Waking up again would only repeat every apply as a
// no-op (about as costly to the API server as the creates themselves). At
// start-up every simulation is reconciled anyway.
func (r *CharacterSimulationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.CharacterSimulation{}, secretsReadIndex, secretsRead); err != nil {
		return fmt.Errorf("index simulations by the Secrets they read: %w", err)
	}
	secrets, err := newSecretMetadataCache(mgr)
	if err != nil {
		return err
	}
	if err := mgr.Add(secrets); err != nil {
		return fmt.Errorf("add the Secret metadata cache: %w", err)
	}
	r.secretMetadata = secrets

	b := ctrl.NewControllerManagedBy(mgr).
		Named("charactersimulation").
		WithOptions(controller.Options{MaxConcurrentReconciles: MaxConcurrentReconciles}).
		For(&v1alpha1.CharacterSimulation{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})))
	for _, k := range childKinds {
		// Periodic resyncs carry no change; they only cost a reconcile.
		opts := []builder.OwnsOption{builder.WithPredicates(
			predicate.ResourceVersionChangedPredicate{}, predicate.Funcs{CreateFunc: ignoreCreate})}
		if k.metadataOnly() {
			opts = append(opts, builder.OnlyMetadata)
		}
		b = b.Owns(k.object(), opts...)
	}
	b = b.WatchesRawSource(source.Kind(secrets, newSecretMetadata(),
		handler.TypedEnqueueRequestsFromMapFunc(r.simulationsReading),
		predicate.TypedResourceVersionChangedPredicate[*metav1.PartialObjectMetadata]{},
		predicate.TypedFuncs[*metav1.PartialObjectMetadata]{CreateFunc: userSecretCreated}))
	if b, err = r.setupBackups(mgr, b); err != nil {
		return err
	}
	return b.Complete(r)
}

// ignoreCreate drops the creation events of children (see SetupWithManager).
func ignoreCreate(event.CreateEvent) bool { return false }

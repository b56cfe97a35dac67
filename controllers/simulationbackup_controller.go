package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/backup"
	"github.com/mojin/charsim/internal/resources"
)

// backupsBySimulationIndex indexes SimulationBackups by spec.simulationName.
const backupsBySimulationIndex = "spec.simulationName"

// Polling of a running backup. Snapshot status changes wake the reconciler
// through the watches; the poll is the safety net that also makes the
// deadline fire on time, so a backup is never left Running.
const (
	minPollInterval = time.Second
	maxPollInterval = 30 * time.Second
	// deadlineSlack makes the poll after the deadline land past it.
	deadlineSlack = 100 * time.Millisecond
)

// SimulationBackupReconciler runs the SimulationBackup step machine:
// Pending (create the snapshots) → Running (wait for them to be ready, until
// the deadline) → Completed or Failed; then it reports the backup on the
// simulation and applies its retention.
type SimulationBackupReconciler struct {
	client.Client
	// APIReader finds snapshots and volume claims straight on the API
	// server: a snapshot just created must never look lost because the
	// cache has not seen it yet.
	APIReader client.Reader
	// Recorder reports backups starting, completing, failing and pruned.
	Recorder events.EventRecorder

	apis *apiDiscovery
}

// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=simulationbackups,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=simulationbackups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=charsim.mojin.dev,resources=simulationbackups/finalizers,verbs=update
// +kubebuilder:rbac:groups=snapshot.storage.k8s.io,resources=volumesnapshots,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=groupsnapshot.storage.k8s.io,resources=volumegroupsnapshots,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get

// Reconcile takes one step of a backup. Each step is idempotent: snapshots
// have fixed names, so a step repeated after a crash finds what the first
// attempt created.
func (r *SimulationBackupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	b := &v1alpha1.SimulationBackup{}
	if err := r.Get(ctx, req.NamespacedName, b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !b.DeletionTimestamp.IsZero() {
		// The garbage collector deletes the snapshots.
		return ctrl.Result{}, nil
	}
	sim, err := getOptional(ctx, r.Client, b.Namespace, b.Spec.SimulationName, &v1alpha1.CharacterSimulation{})
	if err != nil {
		return ctrl.Result{}, err
	}
	if sim != nil && !sim.DeletionTimestamp.IsZero() {
		sim = nil
	}
	if err := r.applyDeletionPolicy(ctx, b, sim); err != nil {
		return ctrl.Result{}, err
	}
	switch b.Status.Phase {
	case "", v1alpha1.BackupPending:
		return r.start(ctx, b, sim)
	case v1alpha1.BackupRunning:
		return r.poll(ctx, b, sim)
	}
	return ctrl.Result{}, r.report(ctx, b, sim)
}

// start checks the backup can be taken and requests the snapshots.
func (r *SimulationBackupReconciler) start(ctx context.Context, b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation) (ctrl.Result, error) {
	fail := func(reason, format string, args ...any) (ctrl.Result, error) {
		return ctrl.Result{}, r.finish(ctx, b, sim, v1alpha1.BackupFailed, reason, fmt.Sprintf(format, args...), nil)
	}
	if sim == nil {
		return fail(backup.ReasonSimulationNotFound, "CharacterSimulation %s not found in namespace %s", b.Spec.SimulationName, b.Namespace)
	}
	if len(resources.DataVolumes(sim)) == 0 {
		return fail(backup.ReasonNoVolumes, "every store of %s is external or disabled: there is no volume to snapshot", sim.Name)
	}
	method := backup.Method(sim)
	api, reason := volumeSnapshotAPI, backup.ReasonSnapshotAPIUnavailable
	if method == v1alpha1.BackupMethodVolumeGroupSnapshot {
		api, reason = volumeGroupSnapshotAPI, backup.ReasonGroupSnapshotsUnsupported
	}
	served, err := r.apis.serves(api)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !served {
		return fail(reason, "the cluster does not serve %s %s: install the CSI external-snapshotter CRDs and controller", api.GroupVersion(), api.Resource)
	}

	claims := map[string]*corev1.PersistentVolumeClaim{}
	for _, v := range resources.DataVolumes(sim) {
		name := resources.DataClaimName(v.StatefulSet)
		claim, err := getOptional(ctx, r.APIReader, b.Namespace, name, &corev1.PersistentVolumeClaim{})
		if err != nil {
			return ctrl.Result{}, err
		}
		if claim == nil {
			return fail(backup.ReasonVolumeNotFound, "volume claim %s of %s does not exist: the store has not started yet", name, v.Component)
		}
		claims[name] = claim
	}
	plan := backup.Plan(b, sim, claims, method)
	var objects []client.Object
	if sim.Spec.Postgres.External == nil {
		name := resources.PostgresCredentialsName(sim.Name)
		credentials, err := getOptional(ctx, r.APIReader, b.Namespace, name, &corev1.Secret{})
		if err != nil {
			return ctrl.Result{}, err
		}
		if credentials == nil {
			return fail(backup.ReasonCredentialsNotFound, "Secret %s with the PostgreSQL password does not exist: a restore could not log in to the database", name)
		}
		objects = append(objects, backup.CredentialsCopy(b, sim, credentials.Data[resources.KeyPassword]))
	}
	if method == v1alpha1.BackupMethodVolumeGroupSnapshot {
		objects = append(objects, backup.VolumeGroupSnapshot(b, sim))
	} else {
		for _, s := range plan {
			objects = append(objects, backup.VolumeSnapshot(b, sim, s))
		}
	}
	for _, obj := range objects {
		ours, err := r.createOnce(ctx, b, obj)
		if err != nil {
			return ctrl.Result{}, err
		}
		if !ours {
			return fail(backup.ReasonSnapshotNameTaken, "%T %s already exists and belongs to another backup", obj, obj.GetName())
		}
	}

	now := metav1.Now()
	b.Status.Phase = v1alpha1.BackupRunning
	b.Status.Method = method
	b.Status.StartTime = &now
	b.Status.Deadline = &metav1.Time{Time: now.Add(resources.BackupDeadline(sim))}
	b.Status.Snapshots = plan
	if method == v1alpha1.BackupMethodVolumeGroupSnapshot {
		b.Status.VolumeGroupSnapshotName = backup.GroupSnapshotName(b.Name)
	}
	setSucceeded(b, metav1.ConditionUnknown, backup.ReasonSnapshotsNotReady, "snapshots requested")
	if err := r.Status().Update(ctx, b); err != nil {
		return ctrl.Result{}, fmt.Errorf("record the start of backup %s: %w", b.Name, err)
	}
	var components []string
	for _, s := range plan {
		components = append(components, s.Component)
	}
	r.Recorder.Eventf(b, sim, corev1.EventTypeNormal, "Started", "Backup",
		"Snapshotting the %s volumes (%s), deadline %s", strings.Join(components, ", "), method, b.Status.Deadline.UTC().Format(time.RFC3339))
	if err := r.report(ctx, b, sim); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: minPollInterval}, nil
}

// createOnce creates a snapshot object of the backup. It reports false when
// an object of that name exists that the backup does not own.
func (r *SimulationBackupReconciler) createOnce(ctx context.Context, b *v1alpha1.SimulationBackup, obj client.Object) (bool, error) {
	err := r.Create(ctx, obj, client.FieldOwner(FieldOwner))
	if err == nil {
		return true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return false, fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
	}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return false, fmt.Errorf("get existing %T %s: %w", obj, obj.GetName(), err)
	}
	owner := metav1.GetControllerOf(obj)
	return owner != nil && owner.UID == b.UID, nil
}

// poll looks at the snapshots of a running backup.
func (r *SimulationBackupReconciler) poll(ctx context.Context, b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation) (ctrl.Result, error) {
	obs, err := r.observeSnapshots(ctx, b)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := time.Now()
	p := backup.Evaluate(b.Status, obs, now)
	if p.Phase.Finished() {
		return ctrl.Result{}, r.finish(ctx, b, sim, p.Phase, p.Reason, p.Message, p.Snapshots)
	}
	before := b.Status.DeepCopy()
	b.Status.Snapshots = p.Snapshots
	setSucceeded(b, metav1.ConditionUnknown, p.Reason, p.Message)
	if !equality.Semantic.DeepEqual(before, &b.Status) {
		if err := r.Status().Update(ctx, b); err != nil {
			return ctrl.Result{}, fmt.Errorf("update backup %s progress: %w", b.Name, err)
		}
	}
	return ctrl.Result{RequeueAfter: pollInterval(now.Sub(b.Status.StartTime.Time), b.Status.Deadline.Sub(now))}, nil
}

// pollInterval backs off as the backup runs long, and never sleeps past the
// deadline.
func pollInterval(elapsed, untilDeadline time.Duration) time.Duration {
	d := min(max(elapsed/2, minPollInterval), maxPollInterval)
	if untilDeadline < d {
		return max(untilDeadline, 0) + deadlineSlack
	}
	return d
}

// observeSnapshots reads the backup's snapshots from the API server.
func (r *SimulationBackupReconciler) observeSnapshots(ctx context.Context, b *v1alpha1.SimulationBackup) (backup.Observed, error) {
	obs := backup.Observed{Snapshots: map[string]*snapshotv1.VolumeSnapshot{}}
	list := &snapshotv1.VolumeSnapshotList{}
	opts := []client.ListOption{client.InNamespace(b.Namespace)}
	if b.Status.Method != v1alpha1.BackupMethodVolumeGroupSnapshot {
		opts = append(opts, client.MatchingLabels{backup.LabelBackup: b.Name})
	}
	if err := r.APIReader.List(ctx, list, opts...); err != nil {
		return obs, fmt.Errorf("list snapshots of backup %s: %w", b.Name, err)
	}
	for i := range list.Items {
		s := &list.Items[i]
		if b.Status.Method == v1alpha1.BackupMethodVolumeGroupSnapshot {
			// The group snapshot controller creates the members; they name
			// their group in their status.
			if s.Status == nil || ptr.Deref(s.Status.VolumeGroupSnapshotName, "") != b.Status.VolumeGroupSnapshotName {
				continue
			}
		}
		obs.Snapshots[s.Name] = s
	}
	if b.Status.Method == v1alpha1.BackupMethodVolumeGroupSnapshot {
		g, err := getOptional(ctx, r.APIReader, b.Namespace, b.Status.VolumeGroupSnapshotName, &groupsnapshotv1.VolumeGroupSnapshot{})
		if err != nil {
			return obs, err
		}
		obs.Group = g
	}
	return obs, nil
}

// finish records the backup's outcome, then reports it on the simulation.
func (r *SimulationBackupReconciler) finish(ctx context.Context, b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation,
	phase v1alpha1.BackupPhase, reason, message string, snapshots []v1alpha1.ComponentSnapshot) error {
	now := metav1.Now()
	b.Status.Phase = phase
	b.Status.CompletionTime = &now
	if snapshots != nil {
		b.Status.Snapshots = snapshots
	}
	status := metav1.ConditionFalse
	if phase == v1alpha1.BackupCompleted {
		status = metav1.ConditionTrue
	}
	setSucceeded(b, status, reason, message)
	if err := r.Status().Update(ctx, b); err != nil {
		return fmt.Errorf("record the end of backup %s: %w", b.Name, err)
	}
	recordFinished(b, reason)
	// A backup of a missing simulation has nothing related; a typed nil
	// would make the recorder panic.
	var related runtime.Object
	if sim != nil {
		related = sim
	}
	if phase == v1alpha1.BackupCompleted {
		r.Recorder.Eventf(b, related, corev1.EventTypeNormal, "Completed", "Backup", "Backup completed: %s", message)
	} else {
		r.Recorder.Eventf(b, related, corev1.EventTypeWarning, reason, "Backup", "Backup failed: %s", message)
	}
	if sim != nil {
		eventType := corev1.EventTypeNormal
		if phase == v1alpha1.BackupFailed {
			eventType = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(sim, b, eventType, "Backup"+string(phase), "Backup", "Backup %s %s: %s", b.Name, strings.ToLower(string(phase)), message)
	}
	return r.report(ctx, b, sim)
}

func setSucceeded(b *v1alpha1.SimulationBackup, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&b.Status.Conditions, metav1.Condition{
		Type: v1alpha1.ConditionSucceeded, Status: status, Reason: reason, Message: message, ObservedGeneration: b.Generation,
	})
}

// report puts the simulation's newest backup into its status (lastBackup
// and LastBackupSucceeded) and, once this backup has finished, prunes the
// simulation's backups beyond its retention.
func (r *SimulationBackupReconciler) report(ctx context.Context, b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation) error {
	if sim == nil {
		return nil
	}
	list := &v1alpha1.SimulationBackupList{}
	if err := r.List(ctx, list, client.InNamespace(b.Namespace), client.MatchingFields{backupsBySimulationIndex: sim.Name}); err != nil {
		return fmt.Errorf("list backups of %s: %w", sim.Name, err)
	}
	// The cache may not have this reconcile's own status write yet.
	if i := slices.IndexFunc(list.Items, func(o v1alpha1.SimulationBackup) bool { return o.UID == b.UID }); i >= 0 {
		list.Items[i] = *b
	} else {
		list.Items = append(list.Items, *b)
	}
	if c := backup.NewestCompleted(list.Items, sim.Name); c != nil {
		recordLastSuccess(c)
	}
	if err := r.updateSimulationStatus(ctx, sim, list.Items); err != nil {
		return err
	}
	if !b.Status.Phase.Finished() || sim.Spec.Backup == nil {
		return nil
	}
	keep := int(ptr.Deref(sim.Spec.Backup.Retention.KeepLast, v1alpha1.DefaultKeepLast))
	var errs []error
	for _, old := range backup.Prune(list.Items, sim.Name, keep) {
		err := r.Delete(ctx, old, client.Preconditions{UID: ptr.To(old.UID)}, client.PropagationPolicy(metav1.DeletePropagationBackground))
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("prune backup %s: %w", old.Name, err))
			continue
		}
		logf.FromContext(ctx).Info("Pruned backup", "backup", old.Name, "keepLast", keep)
		r.Recorder.Eventf(sim, old, corev1.EventTypeNormal, "BackupPruned", "Retention",
			"Deleted backup %s and its snapshots: retention keeps the last %d finished backups", old.Name, keep)
	}
	return errors.Join(errs...)
}

// updateSimulationStatus writes lastBackup and LastBackupSucceeded when they
// changed. The simulation's own reconciler owns the rest of the status and
// keeps these two; a conflict with it is retried on a fresh read.
func (r *SimulationBackupReconciler) updateSimulationStatus(ctx context.Context, sim *v1alpha1.CharacterSimulation, backups []v1alpha1.SimulationBackup) error {
	newest, finished := backup.Latest(backups, sim.Name)
	if newest == nil {
		return nil
	}
	withBackups := func(current *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulationStatus {
		status := current.Status.DeepCopy()
		phase := newest.Status.Phase
		if phase == "" {
			phase = v1alpha1.BackupPending
		}
		status.LastBackup = &v1alpha1.LastBackupStatus{Name: newest.Name, Phase: string(phase), CompletionTime: newest.Status.CompletionTime}
		if finished != nil {
			meta.SetStatusCondition(&status.Conditions, lastBackupCondition(finished, current.Generation))
		}
		return status
	}
	// Most reconciles of a finished backup change nothing: the cached
	// simulation tells without a request.
	if equality.Semantic.DeepEqual(withBackups(sim), &sim.Status) {
		return nil
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current := &v1alpha1.CharacterSimulation{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(sim), current); err != nil {
			return err
		}
		status := withBackups(current)
		if equality.Semantic.DeepEqual(status, &current.Status) {
			return nil
		}
		current.Status = *status
		return r.Status().Update(ctx, current)
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("report backups on simulation %s: %w", sim.Name, err)
	}
	return nil
}

// lastBackupCondition is LastBackupSucceeded for the newest finished backup.
func lastBackupCondition(b *v1alpha1.SimulationBackup, generation int64) metav1.Condition {
	c := metav1.Condition{Type: v1alpha1.ConditionLastBackupSucceeded, ObservedGeneration: generation}
	outcome := meta.FindStatusCondition(b.Status.Conditions, v1alpha1.ConditionSucceeded)
	if b.Status.Phase == v1alpha1.BackupCompleted {
		c.Status, c.Reason = metav1.ConditionTrue, backup.ReasonCompleted
		c.Message = fmt.Sprintf("backup %s completed", b.Name)
		if b.Status.CompletionTime != nil {
			c.Message += " at " + b.Status.CompletionTime.UTC().Format(time.RFC3339)
		}
		return c
	}
	c.Status, c.Reason = metav1.ConditionFalse, backup.ReasonSnapshotFailed
	c.Message = fmt.Sprintf("backup %s failed", b.Name)
	if outcome != nil {
		c.Reason = outcome.Reason
		c.Message += ": " + outcome.Message
	}
	return c
}

// applyDeletionPolicy makes the simulation an owner of the backup when its
// spec.backup.snapshotDeletionPolicy is Delete, so deleting the simulation
// deletes its backups and, through them, their snapshots; under Retain
// (the default) the backup has no such owner and outlives the simulation.
// Changing the policy applies to existing backups too.
func (r *SimulationBackupReconciler) applyDeletionPolicy(ctx context.Context, b *v1alpha1.SimulationBackup, sim *v1alpha1.CharacterSimulation) error {
	if sim == nil {
		return nil
	}
	want := sim.Spec.Backup != nil && sim.Spec.Backup.SnapshotDeletionPolicy == v1alpha1.SnapshotDeletionDelete
	i := slices.IndexFunc(b.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == sim.UID })
	if want == (i >= 0) {
		return nil
	}
	patch := client.MergeFromWithOptions(b.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if want {
		b.OwnerReferences = append(b.OwnerReferences, metav1.OwnerReference{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: "CharacterSimulation",
			Name: sim.Name, UID: sim.UID, BlockOwnerDeletion: ptr.To(true),
		})
	} else {
		b.OwnerReferences = slices.Delete(b.OwnerReferences, i, i+1)
	}
	if err := r.Patch(ctx, b, patch, client.FieldOwner(FieldOwner)); err != nil {
		return fmt.Errorf("apply snapshotDeletionPolicy to backup %s: %w", b.Name, err)
	}
	return nil
}

// SetupWithManager registers the controller. Snapshot status changes wake
// the backup that owns them; a change of a simulation's spec wakes its
// backups (for the deletion policy). Snapshot APIs the cluster does not
// serve are not watched: backups then fail with a clear reason instead of
// the manager failing to start.
func (r *SimulationBackupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	apis, err := newAPIDiscovery(mgr.GetConfig())
	if err != nil {
		return err
	}
	r.apis = apis
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.SimulationBackup{}, backupsBySimulationIndex,
		func(obj client.Object) []string {
			return []string{obj.(*v1alpha1.SimulationBackup).Spec.SimulationName}
		}); err != nil {
		return fmt.Errorf("index backups by simulation: %w", err)
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("simulationbackup").
		For(&v1alpha1.SimulationBackup{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1alpha1.CharacterSimulation{}, handler.EnqueueRequestsFromMapFunc(r.backupsOf),
			builder.WithPredicates(predicate.GenerationChangedPredicate{}))
	for _, kind := range []struct {
		api schema.GroupVersionResource
		obj client.Object
	}{
		{volumeSnapshotAPI, &snapshotv1.VolumeSnapshot{}},
		{volumeGroupSnapshotAPI, &groupsnapshotv1.VolumeGroupSnapshot{}},
	} {
		served, err := apis.serves(kind.api)
		if err != nil {
			return err
		}
		if !served {
			mgr.GetLogger().Info("Not watching an API the cluster does not serve; backups needing it will fail", "api", kind.api.String())
			continue
		}
		b = b.Owns(kind.obj, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{}))
	}
	return b.Complete(r)
}

// backupsOf maps a simulation to its backups.
func (r *SimulationBackupReconciler) backupsOf(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &v1alpha1.SimulationBackupList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{backupsBySimulationIndex: obj.GetName()}); err != nil {
		logf.FromContext(ctx).Error(err, "List backups of a simulation", "simulation", obj.GetName())
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, b := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
	}
	return out
}

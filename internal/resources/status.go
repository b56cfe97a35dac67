package resources

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Condition reasons.
const (
	// ReasonReady: every wanted replica is updated and ready.
	ReasonReady = "Ready"
	// ReasonCreating: the workload does not exist yet.
	ReasonCreating = "Creating"
	// ReasonProgressing: a rollout or scale is under way.
	ReasonProgressing = "Progressing"
	// ReasonUnavailable: the rollout is done but replicas are not ready, or
	// the rollout stalled.
	ReasonUnavailable = "Unavailable"
	// ReasonExternal: the store is run by someone else and not checked here.
	ReasonExternal = "External"
	// ReasonDisabled: the component is turned off in the spec.
	ReasonDisabled = "Disabled"
	// ReasonSuspended: spec.suspend scaled the workloads to zero.
	ReasonSuspended = "Suspended"
	// ReasonProvisioning and ReasonDegraded explain a Ready=False simulation.
	ReasonProvisioning = "Provisioning"
	ReasonDegraded     = "Degraded"
)

// Observed is the simulation's workloads as read back from the API server;
// nil means not found.
type Observed struct {
	Postgres   *appsv1.StatefulSet
	Qdrant     *appsv1.StatefulSet
	Redis      *appsv1.StatefulSet
	MCPServer  *appsv1.Deployment
	DiscordBot *appsv1.Deployment
	Backup     BackupObservation
}

// ComputeStatus is the status the simulation should have for what was
// observed. It starts from the current status, so fields and conditions other
// controllers own (backups) are kept, and a condition whose status did not
// change keeps its transition time: a steady simulation computes a status
// equal to the one it has, and nothing is written.
func ComputeStatus(sim *v1alpha1.CharacterSimulation, obs Observed, now metav1.Time) v1alpha1.CharacterSimulationStatus {
	status := *sim.Status.DeepCopy()
	components := []metav1.Condition{
		storeCondition(sim, v1alpha1.ConditionPostgresReady, sim.Spec.Postgres.External != nil, false, obs.Postgres),
		// A disabled Qdrant is True with reason Disabled, as a disabled
		// Redis is: the condition list is the same for every simulation,
		// and Ready needs every component condition True.
		storeCondition(sim, v1alpha1.ConditionQdrantReady,
			sim.Spec.Qdrant.ModeOrInferred() == v1alpha1.QdrantExternal, sim.Spec.Qdrant.ModeOrInferred() == v1alpha1.QdrantDisabled, obs.Qdrant),
		storeCondition(sim, v1alpha1.ConditionRedisReady,
			sim.Spec.Redis.Mode == v1alpha1.RedisExternal, sim.Spec.Redis.Mode == v1alpha1.RedisDisabled, obs.Redis),
		deploymentCondition(sim, v1alpha1.ConditionMCPServerReady, false, obs.MCPServer, mcpServerReplicas(sim)),
		deploymentCondition(sim, v1alpha1.ConditionDiscordBotReady, sim.Spec.DiscordBot == nil, obs.DiscordBot, 1),
	}

	var waiting []string
	unavailable := false
	for _, c := range components {
		if c.Status != metav1.ConditionTrue {
			waiting = append(waiting, c.Type)
			unavailable = unavailable || c.Reason == ReasonUnavailable
		}
	}
	ready := metav1.Condition{Type: v1alpha1.ConditionReady}
	switch {
	case sim.Spec.Suspend:
		status.Phase = v1alpha1.PhaseSuspended
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, ReasonSuspended, "spec.suspend is true: workloads are scaled to zero, data is kept"
	case len(waiting) == 0:
		status.Phase = v1alpha1.PhaseReady
		ready.Status, ready.Reason, ready.Message = metav1.ConditionTrue, ReasonReady, "all components are ready"
	case unavailable && wasReady(sim):
		status.Phase = v1alpha1.PhaseDegraded
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, ReasonDegraded, "not ready: "+strings.Join(waiting, ", ")
	default:
		status.Phase = v1alpha1.PhaseProvisioning
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, ReasonProvisioning, "waiting for "+strings.Join(waiting, ", ")
	}

	for _, c := range append(components, ready) {
		c.ObservedGeneration = sim.Generation
		c.LastTransitionTime = now
		meta.SetStatusCondition(&status.Conditions, c)
	}
	backupConditions(&status, sim, obs.Backup, now)
	status.ObservedGeneration = sim.Generation
	status.MCPEndpoint = MCPEndpoint(sim.Name, sim.Namespace)
	status.ConsoleEndpoint = ConsoleEndpoint(sim)
	return status
}

// wasReady reports whether the simulation had reached Ready (and may since
// have degraded) for its current spec; a simulation still starting up or
// rolling out a new spec is provisioning, not degraded.
func wasReady(sim *v1alpha1.CharacterSimulation) bool {
	return sim.Status.ObservedGeneration == sim.Generation &&
		(sim.Status.Phase == v1alpha1.PhaseReady || sim.Status.Phase == v1alpha1.PhaseDegraded)
}

func storeCondition(sim *v1alpha1.CharacterSimulation, typ string, external, disabled bool, sts *appsv1.StatefulSet) metav1.Condition {
	switch {
	case disabled:
		return condition(typ, metav1.ConditionTrue, ReasonDisabled, "disabled in the spec")
	case external:
		return condition(typ, metav1.ConditionTrue, ReasonExternal, "external; the operator does not run it")
	case sim.Spec.Suspend:
		return condition(typ, metav1.ConditionFalse, ReasonSuspended, "scaled to zero")
	case sts == nil:
		return condition(typ, metav1.ConditionFalse, ReasonCreating, "StatefulSet not created yet")
	}
	s := sts.Status
	return rolloutCondition(typ, "StatefulSet "+sts.Name, rollout{
		observed: s.ObservedGeneration >= sts.Generation,
		want:     1,
		replicas: s.Replicas,
		updated:  s.UpdatedReplicas,
		ready:    s.ReadyReplicas,
	})
}

func deploymentCondition(sim *v1alpha1.CharacterSimulation, typ string, disabled bool, d *appsv1.Deployment, want int32) metav1.Condition {
	switch {
	case disabled:
		return condition(typ, metav1.ConditionTrue, ReasonDisabled, "not configured in the spec")
	case sim.Spec.Suspend:
		return condition(typ, metav1.ConditionFalse, ReasonSuspended, "scaled to zero")
	case d == nil:
		return condition(typ, metav1.ConditionFalse, ReasonCreating, "Deployment not created yet")
	}
	s := d.Status
	r := rollout{
		observed: s.ObservedGeneration >= d.Generation,
		want:     want,
		replicas: s.Replicas,
		updated:  s.UpdatedReplicas,
		ready:    s.AvailableReplicas,
	}
	for _, c := range s.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse {
			r.stalled = c.Message
		}
	}
	return rolloutCondition(typ, "Deployment "+d.Name, r)
}

// rollout is the part of a workload's status that says whether it is done.
type rollout struct {
	observed                       bool
	want, replicas, updated, ready int32
	stalled                        string // why the rollout stopped progressing
}

func rolloutCondition(typ, what string, r rollout) metav1.Condition {
	switch {
	case r.stalled != "":
		return condition(typ, metav1.ConditionFalse, ReasonUnavailable, fmt.Sprintf("%s: rollout stalled: %s", what, r.stalled))
	case !r.observed:
		return condition(typ, metav1.ConditionFalse, ReasonProgressing, what+": waiting for its controller to observe the new spec")
	case r.updated < r.want:
		return condition(typ, metav1.ConditionFalse, ReasonProgressing, fmt.Sprintf("%s: %d of %d replicas updated", what, r.updated, r.want))
	case r.replicas > r.want:
		return condition(typ, metav1.ConditionFalse, ReasonProgressing, fmt.Sprintf("%s: %d old replicas terminating", what, r.replicas-r.want))
	case r.ready < r.want:
		return condition(typ, metav1.ConditionFalse, ReasonUnavailable, fmt.Sprintf("%s: %d of %d replicas ready", what, r.ready, r.want))
	}
	return condition(typ, metav1.ConditionTrue, ReasonReady, fmt.Sprintf("%s: %d of %d replicas ready", what, r.ready, r.want))
}

func condition(typ string, status metav1.ConditionStatus, reason, message string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message}
}

// Transition is a condition whose status changed.
type Transition struct {
	// From is the previous status.
	From metav1.ConditionStatus
	// To is the condition now.
	To metav1.Condition
}

// Regression reports whether something that worked stopped working for a
// reason other than the user's own suspend: worth a Warning event.
func (t Transition) Regression() bool {
	return t.From == metav1.ConditionTrue && t.To.Status == metav1.ConditionFalse && t.To.Reason != ReasonSuspended
}

// Transitions lists the conditions of next whose status differs from prev.
// A condition that first appears is the initial state, not a change: a new
// simulation would otherwise report six conditions "changing" at once from
// nothing to "waiting", which says nothing its status does not.
func Transitions(prev, next []metav1.Condition) []Transition {
	var out []Transition
	for _, c := range next {
		if old := meta.FindStatusCondition(prev, c.Type); old != nil && old.Status != c.Status {
			out = append(out, Transition{From: old.Status, To: c})
		}
	}
	return out
}

package controllers

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// observe reads the simulation's workloads back from the cache.
func (r *CharacterSimulationReconciler) observe(ctx context.Context, sim *v1alpha1.CharacterSimulation) (resources.Observed, error) {
	var obs resources.Observed
	var err error
	if obs.Postgres, err = getOptional(ctx, r.Client, sim.Namespace, resources.PostgresName(sim.Name), &appsv1.StatefulSet{}); err != nil {
		return obs, err
	}
	if obs.Qdrant, err = getOptional(ctx, r.Client, sim.Namespace, resources.QdrantName(sim.Name), &appsv1.StatefulSet{}); err != nil {
		return obs, err
	}
	if obs.Redis, err = getOptional(ctx, r.Client, sim.Namespace, resources.RedisName(sim.Name), &appsv1.StatefulSet{}); err != nil {
		return obs, err
	}
	if obs.MCPServer, err = getOptional(ctx, r.Client, sim.Namespace, resources.MCPServerName(sim.Name), &appsv1.Deployment{}); err != nil {
		return obs, err
	}
	if obs.DiscordBot, err = getOptional(ctx, r.Client, sim.Namespace, resources.DiscordBotName(sim.Name), &appsv1.Deployment{}); err != nil {
		return obs, err
	}
	return obs, nil
}

// getOptional returns the object, or nil when it does not exist.
func getOptional[T client.Object](ctx context.Context, c client.Reader, namespace, name string, obj T) (T, error) {
	var zero T
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return zero, nil
	}
	if err != nil {
		return zero, fmt.Errorf("get %T %s: %w", obj, name, err)
	}
	return obj, nil
}

// updateStatus writes the computed status only when it differs from the
// stored one, and reports each condition that changed as an Event.
func (r *CharacterSimulationReconciler) updateStatus(ctx context.Context, sim *v1alpha1.CharacterSimulation, obs resources.Observed) error {
	status := resources.ComputeStatus(sim, obs, metav1.Now())
	if equality.Semantic.DeepEqual(sim.Status, status) {
		return nil
	}
	transitions := resources.Transitions(sim.Status.Conditions, status.Conditions)
	updated := sim.DeepCopy()
	updated.Status = status
	if err := r.Status().Update(ctx, updated); err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	for _, t := range transitions {
		eventType := corev1.EventTypeNormal
		if t.Regression() {
			eventType = corev1.EventTypeWarning
		}
		// The events API folds Events of one object with equal type, reason
		// and action into a series that keeps only the first note; the
		// condition type as the action keeps each condition's story apart
		// (otherwise "Ready is True" vanished behind "PostgresReady is True").
		r.Recorder.Eventf(sim, nil, eventType, t.To.Reason, t.To.Type, "%s is %s: %s", t.To.Type, t.To.Status, t.To.Message)
	}
	return nil
}

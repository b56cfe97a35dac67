package controllers

import (
	"context"
	"encoding/json"
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

// observe reads the simulation's workloads: as the API server returned them
// to this reconcile's applies, or else (not applied now) from the cache. An
// applied workload is the newest version there is, so the reconcile that
// creates the workloads reports them at once rather than "not created yet".
func (r *CharacterSimulationReconciler) observe(ctx context.Context, sim *v1alpha1.CharacterSimulation, applied map[childKey]resources.Object) (resources.Observed, error) {
	statefulSet := func(name string) (*appsv1.StatefulSet, error) {
		return observeOne(ctx, r.Client, applied, "StatefulSet", sim.Namespace, name, &appsv1.StatefulSet{})
	}
	deployment := func(name string) (*appsv1.Deployment, error) {
		return observeOne(ctx, r.Client, applied, "Deployment", sim.Namespace, name, &appsv1.Deployment{})
	}
	var obs resources.Observed
	var err error
	if obs.Postgres, err = statefulSet(resources.PostgresName(sim.Name)); err != nil {
		return obs, err
	}
	if obs.Qdrant, err = statefulSet(resources.QdrantName(sim.Name)); err != nil {
		return obs, err
	}
	if obs.Redis, err = statefulSet(resources.RedisName(sim.Name)); err != nil {
		return obs, err
	}
	if obs.MCPServer, err = deployment(resources.MCPServerName(sim.Name)); err != nil {
		return obs, err
	}
	if obs.DiscordBot, err = deployment(resources.DiscordBotName(sim.Name)); err != nil {
		return obs, err
	}
	return obs, nil
}

// observeOne is the workload as applied, or from the cache; nil when it does
// not exist.
func observeOne[T client.Object](ctx context.Context, c client.Reader, applied map[childKey]resources.Object, kind, namespace, name string, obj T) (T, error) {
	a, ok := applied[childKey{kind, name}]
	if !ok {
		return getOptional(ctx, c, namespace, name, obj)
	}
	// An apply configuration holds the API server's response in the JSON
	// shape of the object itself.
	var zero T
	raw, err := json.Marshal(a)
	if err != nil {
		return zero, fmt.Errorf("encode applied %s %s: %w", kind, name, err)
	}
	if err := json.Unmarshal(raw, obj); err != nil {
		return zero, fmt.Errorf("decode applied %s %s: %w", kind, name, err)
	}
	return obj, nil
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

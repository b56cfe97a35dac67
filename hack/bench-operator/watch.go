package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
)

// childKinds are the kinds a simulation's children have, by list type.
var childKinds = map[string]func() client.ObjectList{
	"StatefulSet":         func() client.ObjectList { return &appsv1.StatefulSetList{} },
	"Deployment":          func() client.ObjectList { return &appsv1.DeploymentList{} },
	"Service":             func() client.ObjectList { return &corev1.ServiceList{} },
	"ServiceAccount":      func() client.ObjectList { return &corev1.ServiceAccountList{} },
	"Secret":              func() client.ObjectList { return &corev1.SecretList{} },
	"NetworkPolicy":       func() client.ObjectList { return &networkingv1.NetworkPolicyList{} },
	"PodDisruptionBudget": func() client.ObjectList { return &policyv1.PodDisruptionBudgetList{} },
}

// changes are the real changes (new resourceVersions) the watches saw.
type changes struct {
	children int // children created, modified or deleted
	status   int // simulations modified (their status: nothing else writes them)
}

// watcher follows every child and simulation in one namespace. It tells
// when all expected children exist, and counts real changes: a server-side
// apply that changes nothing makes no watch event.
type watcher struct {
	mu       sync.Mutex
	existing map[string]bool
	expected map[string]bool
	missing  int
	// complete is when the last expected child appeared.
	complete time.Time
	counts   changes
	failed   error
}

// watchNamespace starts the watches; they end with ctx. The namespace must
// be empty, so every event is news.
func watchNamespace(ctx context.Context, c client.WithWatch, namespace string) (*watcher, error) {
	w := &watcher{existing: map[string]bool{}, expected: map[string]bool{}}
	for kind, newList := range childKinds {
		events, err := c.Watch(ctx, newList(), client.InNamespace(namespace))
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", kind, err)
		}
		go w.follow(ctx, events, func(e watch.Event) { w.child(kind, e) })
	}
	sims, err := c.Watch(ctx, &v1alpha1.CharacterSimulationList{}, client.InNamespace(namespace))
	if err != nil {
		return nil, fmt.Errorf("watch CharacterSimulations: %w", err)
	}
	go w.follow(ctx, sims, w.simulation)
	return w, nil
}

func (w *watcher) follow(ctx context.Context, events watch.Interface, handle func(watch.Event)) {
	defer events.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events.ResultChan():
			if !ok {
				w.fail(fmt.Errorf("a watch closed early"))
				return
			}
			if e.Type == watch.Error {
				w.fail(fmt.Errorf("watch error: %v", e.Object))
				return
			}
			handle(e)
		}
	}
}

func (w *watcher) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		w.failed = err
	}
}

func (w *watcher) child(kind string, e watch.Event) {
	obj, ok := e.Object.(client.Object)
	if !ok {
		return
	}
	key := kind + "/" + obj.GetName()
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e.Type {
	case watch.Added:
		w.counts.children++
		if !w.existing[key] && w.expected[key] {
			w.missing--
			if w.missing == 0 {
				w.complete = time.Now()
			}
		}
		w.existing[key] = true
	case watch.Modified:
		w.counts.children++
	case watch.Deleted:
		w.counts.children++
		if w.existing[key] && w.expected[key] {
			w.missing++
		}
		delete(w.existing, key)
	}
}

func (w *watcher) simulation(e watch.Event) {
	if e.Type != watch.Modified {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counts.status++
}

// expect adds children that must exist.
func (w *watcher) expect(keys []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, key := range keys {
		if w.expected[key] {
			continue
		}
		w.expected[key] = true
		if !w.existing[key] {
			w.missing++
		}
	}
	if w.missing == 0 {
		w.complete = time.Now()
	}
}

// waitComplete waits until every expected child exists and returns when the
// last one appeared.
func (w *watcher) waitComplete(ctx context.Context) (time.Time, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		w.mu.Lock()
		missing, complete, failed := w.missing, w.complete, w.failed
		w.mu.Unlock()
		if failed != nil {
			return time.Time{}, failed
		}
		if missing == 0 {
			return complete, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d children still missing: %w", missing, ctx.Err())
		case <-tick.C:
		}
	}
}

// take returns the changes so far and starts counting from zero.
func (w *watcher) take() (changes, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.counts
	w.counts = changes{}
	return out, w.failed
}

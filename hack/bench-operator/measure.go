package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/controllers"
	"github.com/mojin/charsim/internal/resources"
)

// Bounds on each phase.
const (
	convergeTimeout = 10 * time.Minute
	quietTimeout    = 5 * time.Minute
)

// figures are the results for one N.
type figures struct {
	n                int
	childrenPerSim   int
	managerSeconds   float64
	createSeconds    float64 // creating the CRs, while the manager already works
	baselineSeconds  float64
	baselineWrites   writeCounts
	converge         writeCounts
	convergeChanges  changes
	convergeReconcil reconcileTotals
	withStatus       int // simulations whose status describes their spec
	steady           writeCounts
	steadyChanges    changes
	steadyReconciles reconcileTotals
	steadyDuration   time.Duration
	steadyUsage      usage   // at the end
	convergeCPU      float64 // manager CPU seconds until quiet
}

// measureManager runs the manager binary on a fresh control plane, creates
// n simulations and measures until every child exists, until the manager
// has been quiet for opts.quiet, and over opts.steady of steady state.
func measureManager(ctx context.Context, opts options, binary string, f *figures, logf logf) error {
	cp, err := startControlPlane(ctx)
	if err != nil {
		return err
	}
	defer cp.stop()
	const namespace = "bench"
	if _, err := cp.prepareNamespace(ctx, namespace); err != nil {
		return err
	}
	watchCtx, stopWatches := context.WithCancel(ctx)
	defer stopWatches()
	w, err := watchNamespace(watchCtx, cp.admin, namespace)
	if err != nil {
		return err
	}
	dir := filepath.Join(opts.dir, fmt.Sprintf("n%d", f.n))
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := cp.writeProxyKubeconfig(kubeconfig); err != nil {
		return err
	}
	m, err := startManager(ctx, binary, kubeconfig, filepath.Join(dir, "manager.log"))
	if err != nil {
		return err
	}
	defer func() {
		if err := m.stop(); err != nil {
			logf("stop the manager: %v", err)
		}
	}()
	if err := m.waitReady(ctx); err != nil {
		return fmt.Errorf("%w (log: %s)", err, filepath.Join(dir, "manager.log"))
	}
	cp.proxy.reset()
	if _, err := w.take(); err != nil {
		return err
	}
	before, err := m.reconciles(ctx)
	if err != nil {
		return err
	}
	idle, err := m.usage()
	if err != nil {
		return err
	}

	logf("N=%d: creating the simulations; the manager reconciles them", f.n)
	start := time.Now()
	sims, err := createSimulations(ctx, cp.admin, namespace, f.n, false)
	if err != nil {
		return err
	}
	f.createSeconds = time.Since(start).Seconds()
	if err := expectChildren(w, sims, f); err != nil {
		return err
	}
	convergeCtx, cancel := context.WithTimeout(ctx, convergeTimeout)
	defer cancel()
	done, err := w.waitComplete(convergeCtx)
	if err != nil {
		return fmt.Errorf("waiting for the children: %w (log: %s)", err, filepath.Join(dir, "manager.log"))
	}
	f.managerSeconds = done.Sub(start).Seconds()
	logf("N=%d: every child exists after %.1f s; waiting until the manager has written nothing for %s", f.n, f.managerSeconds, opts.quiet)

	if err := waitQuiet(ctx, cp.proxy, opts.quiet); err != nil {
		return err
	}
	f.converge = cp.proxy.take()
	if f.convergeChanges, err = w.take(); err != nil {
		return err
	}
	after, err := m.reconciles(ctx)
	if err != nil {
		return err
	}
	f.convergeReconcil = after.minus(before)
	converged, err := m.usage()
	if err != nil {
		return err
	}
	f.convergeCPU = converged.cpuSeconds - idle.cpuSeconds
	if f.withStatus, err = simulationsWithStatus(ctx, cp.admin, namespace); err != nil {
		return err
	}
	logf("N=%d: converged; where the writes went: %v", f.n, f.converge.byRequest)

	logf("N=%d: measuring %s of steady state", f.n, opts.steady)
	steadyStart := time.Now()
	select {
	case <-time.After(opts.steady):
	case <-ctx.Done():
		return ctx.Err()
	}
	f.steadyDuration = time.Since(steadyStart)
	f.steady = cp.proxy.take()
	if f.steadyChanges, err = w.take(); err != nil {
		return err
	}
	last, err := m.reconciles(ctx)
	if err != nil {
		return err
	}
	f.steadyReconciles = last.minus(after)
	f.steadyUsage, err = m.usage()
	return err
}

// expectChildren tells the watcher which children the simulations get.
func expectChildren(w *watcher, sims []*v1alpha1.CharacterSimulation, f *figures) error {
	for _, sim := range sims {
		keys, err := childKeys(sim)
		if err != nil {
			return err
		}
		f.childrenPerSim = len(keys)
		w.expect(keys)
	}
	return nil
}

// waitQuiet waits until no write request has passed the proxy for quiet.
func waitQuiet(ctx context.Context, proxy *countingProxy, quiet time.Duration) error {
	deadline := time.Now().Add(quietTimeout)
	last, since := proxy.writes(), time.Now()
	for time.Since(since) < quiet {
		if time.Now().After(deadline) {
			return fmt.Errorf("the manager still writes after %s", quietTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if n := proxy.writes(); n != last {
			last, since = n, time.Now()
		}
	}
	return nil
}

// simulationsWithStatus counts the simulations whose status describes their
// current spec: the manager finished them.
func simulationsWithStatus(ctx context.Context, c client.Client, namespace string) (int, error) {
	var list v1alpha1.CharacterSimulationList
	if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return 0, fmt.Errorf("list simulations: %w", err)
	}
	n := 0
	for _, sim := range list.Items {
		if sim.Status.ObservedGeneration == sim.Generation && sim.Status.Phase != "" {
			n++
		}
	}
	return n, nil
}

// measureBaseline creates the same children for n simulations on a fresh
// control plane, directly: the same server-side applies and Secret creates
// the reconciler makes, by the same identity through the same proxy, with
// as many workers as the manager reconciles at once, and no manager running.
func measureBaseline(ctx context.Context, f *figures, logf logf) error {
	cp, err := startControlPlane(ctx)
	if err != nil {
		return err
	}
	defer cp.stop()
	const namespace = "baseline"
	versions, err := cp.prepareNamespace(ctx, namespace)
	if err != nil {
		return err
	}
	watchCtx, stopWatches := context.WithCancel(ctx)
	defer stopWatches()
	w, err := watchNamespace(watchCtx, cp.admin, namespace)
	if err != nil {
		return err
	}
	// The simulations as the API server would store them (defaults filled
	// in), without storing them: no owner is needed without a garbage collector.
	sims, err := createSimulations(ctx, cp.admin, namespace, f.n, true)
	if err != nil {
		return err
	}
	type work struct {
		secrets []client.Object
		apply   []resources.Object
	}
	items := make([]work, len(sims))
	for i, sim := range sims {
		if sim.UID == "" {
			sim.UID = types.UID(fmt.Sprintf("baseline-%d", i))
		}
		desired, err := resources.Desired(sim, resources.DefaultOptions(), resources.SecretVersions(versions))
		if err != nil {
			return fmt.Errorf("build %s: %w", sim.Name, err)
		}
		items[i].apply = desired
		for _, g := range resources.GeneratedSecrets(sim) {
			items[i].secrets = append(items[i].secrets, g.Build(rand.Text()))
		}
	}
	if err := expectChildren(w, sims, f); err != nil {
		return err
	}

	logf("N=%d: baseline: creating the same children directly with %d worker(s)", f.n, concurrency)
	cp.proxy.reset()
	start := time.Now()
	err = forEach(ctx, len(items), concurrency, func(ctx context.Context, i int) error {
		for _, s := range items[i].secrets {
			if err := cp.operator.Create(ctx, s, client.FieldOwner(controllers.FieldOwner)); err != nil {
				return fmt.Errorf("create Secret %s: %w", s.GetName(), err)
			}
		}
		for _, obj := range items[i].apply {
			if err := cp.operator.Apply(ctx, obj, client.FieldOwner(controllers.FieldOwner), client.ForceOwnership); err != nil {
				return fmt.Errorf("apply %s %s: %w", *obj.GetKind(), *obj.GetName(), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	convergeCtx, cancel := context.WithTimeout(ctx, convergeTimeout)
	defer cancel()
	done, err := w.waitComplete(convergeCtx)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	f.baselineSeconds = done.Sub(start).Seconds()
	f.baselineWrites = cp.proxy.take()
	logf("N=%d: baseline done after %.1f s", f.n, f.baselineSeconds)
	return nil
}

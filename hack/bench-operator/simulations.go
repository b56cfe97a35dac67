package main

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// userSecrets are the Secrets every benchmark simulation references.
var userSecrets = map[string]map[string]string{
	"discord": {"token": "bench-discord-token"},
	"llm":     {"api-key": "bench-llm-api-key"},
}

// createWorkers is how many simulations the benchmark creates at once: fast
// enough that the user's creates do not pace the operator.
const createWorkers = 4

// simulation is the sample simulation with a Discord bot: every store
// managed, every component running.
func simulation(namespace string, i int) *v1alpha1.CharacterSimulation {
	return &v1alpha1.CharacterSimulation{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("sim-%04d", i)},
		Spec: v1alpha1.CharacterSimulationSpec{
			DiscordBot: &v1alpha1.DiscordBotSpec{
				TokenSecretRef: v1alpha1.SecretKeyRef{Name: "discord", Key: "token"},
				LLM: v1alpha1.LLMSpec{
					BaseURL:         "http://ollama.ai.svc:11434/v1",
					Model:           "llama3.1",
					APIKeySecretRef: &v1alpha1.SecretKeyRef{Name: "llm", Key: "api-key"},
				},
			},
		},
	}
}

// childKeys are "Kind/name" of every child the (defaulted) simulation gets.
func childKeys(sim *v1alpha1.CharacterSimulation) ([]string, error) {
	desired, err := resources.Desired(sim, resources.DefaultOptions(), nil)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", sim.Name, err)
	}
	var keys []string
	for _, obj := range desired {
		keys = append(keys, *obj.GetKind()+"/"+*obj.GetName())
	}
	for _, g := range resources.GeneratedSecrets(sim) {
		keys = append(keys, "Secret/"+g.Name)
	}
	return keys, nil
}

// createSimulations creates n simulations with createWorkers workers; with
// dryRun nothing is stored, and the API server only fills in the defaults.
// It returns the simulations as the API server returned them.
func createSimulations(ctx context.Context, c client.Client, namespace string, n int, dryRun bool) ([]*v1alpha1.CharacterSimulation, error) {
	sims := make([]*v1alpha1.CharacterSimulation, n)
	var opts []client.CreateOption
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	err := forEach(ctx, n, createWorkers, func(ctx context.Context, i int) error {
		sim := simulation(namespace, i)
		if err := c.Create(ctx, sim, opts...); err != nil {
			return fmt.Errorf("create simulation %s: %w", sim.Name, err)
		}
		sims[i] = sim
		return nil
	})
	return sims, err
}

// forEach runs do for 0..n-1 on workers goroutines and returns the first
// error; after an error no new item starts.
func forEach(ctx context.Context, n, workers int, do func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	items := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range items {
				if err := do(ctx, i); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case items <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(items)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

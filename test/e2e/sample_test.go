//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/testenv"
)

// readyTimeout bounds every wait for a simulation to be Ready. On the local
// cluster it takes seconds; on kind the first one pulls the store images.
const readyTimeout = 5 * time.Minute

// dummyDiscordToken stands in for a bot token where pods are simulated.
const dummyDiscordToken = "dummy-token-for-e2e"

// loadSample reads the sample simulation users start from.
func loadSample(t *testing.T) *v1alpha1.CharacterSimulation {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(), "config", "samples", "charsim_v1alpha1_charactersimulation.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the sample: %v", err)
	}
	sim := &v1alpha1.CharacterSimulation{}
	if err := yaml.UnmarshalStrict(data, sim); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return sim
}

// createSample creates the sample simulation under the given name, with the
// Discord token Secret it references, after applying the changes, if any.
// Without a real token, only simulated pods can run the bot, so elsewhere
// the bot is left out.
func createSample(t *testing.T, namespace, name string, changes ...func(*v1alpha1.CharacterSimulation)) *v1alpha1.CharacterSimulation {
	t.Helper()
	ctx := t.Context()
	sim := loadSample(t)
	sim.Namespace, sim.Name = namespace, name
	for _, change := range changes {
		change(sim)
	}
	token := suite.discordToken
	if token == "" {
		token = dummyDiscordToken
		if suite.mode == modeInCluster {
			t.Log("no CHARSIM_E2E_DISCORD_TOKEN: the sample runs without its Discord bot")
			sim.Spec.DiscordBot = nil
		}
	}
	if bot := sim.Spec.DiscordBot; bot != nil {
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: bot.TokenSecretRef.Name},
			StringData: map[string]string{bot.TokenSecretRef.Key: token},
		}
		if err := suite.client.Create(ctx, secret); client.IgnoreAlreadyExists(err) != nil {
			t.Fatalf("create the Discord token Secret: %v", err)
		}
	}
	if err := suite.client.Create(ctx, sim); err != nil {
		t.Fatalf("create simulation %s/%s: %v", namespace, name, err)
	}
	return sim
}

// waitReady waits until the simulation's Ready condition is True for its
// current generation, and returns it as it is then.
func waitReady(t *testing.T, key client.ObjectKey) *v1alpha1.CharacterSimulation {
	t.Helper()
	sim := &v1alpha1.CharacterSimulation{}
	eventually(t, readyTimeout, fmt.Sprintf("simulation %s to be Ready", key), func(ctx context.Context) (string, bool, error) {
		if err := suite.client.Get(ctx, key, sim); err != nil {
			return err.Error(), false, nil
		}
		ready := apimeta.FindStatusCondition(sim.Status.Conditions, v1alpha1.ConditionReady)
		if ready == nil {
			return fmt.Sprintf("phase %q, no Ready condition", sim.Status.Phase), false, nil
		}
		state := fmt.Sprintf("phase %q, Ready=%s (%s: %s), observed generation %d of %d",
			sim.Status.Phase, ready.Status, ready.Reason, ready.Message, sim.Status.ObservedGeneration, sim.Generation)
		done := ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == sim.Generation &&
			sim.Status.ObservedGeneration == sim.Generation
		return state, done, nil
	})
	return sim
}

// patchSpec changes the simulation with a merge patch of its spec.
func patchSpec(t *testing.T, sim *v1alpha1.CharacterSimulation, spec string) {
	t.Helper()
	patch := client.RawPatch("application/merge-patch+json", []byte(`{"spec":`+spec+`}`))
	if err := suite.client.Patch(t.Context(), sim, patch); err != nil {
		t.Fatalf("patch %s with spec %s: %v", sim.Name, spec, err)
	}
}

func getSimulation(t *testing.T, key client.ObjectKey) *v1alpha1.CharacterSimulation {
	t.Helper()
	sim := &v1alpha1.CharacterSimulation{}
	if err := suite.client.Get(t.Context(), key, sim); err != nil {
		t.Fatalf("get simulation %s: %v", key, err)
	}
	return sim
}

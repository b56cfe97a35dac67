//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/internal/resources"
)

// TestOperatorRestartMidReconcile kills the operator as soon as the first
// child of a new simulation appears, starts it again, and checks the
// simulation converges with exactly one of each child: nothing duplicated,
// nothing made twice, no second rollout.
func TestOperatorRestartMidReconcile(t *testing.T) {
	namespace := newNamespace(t, "restart")
	key := client.ObjectKey{Namespace: namespace, Name: "crash"}
	createSample(t, namespace, key.Name)

	var atKill []object
	eventually(t, time.Minute, "the first child of "+key.Name, func(ctx context.Context) (string, bool, error) {
		objects, err := labelledObjects(ctx, key.Namespace, key.Name)
		if err != nil {
			return err.Error(), false, nil
		}
		atKill = objects
		return "no child yet", len(objects) > 0, nil
	})
	if err := suite.operator.kill(t.Context()); err != nil {
		t.Fatal(err)
	}
	sim := getSimulation(t, key)
	t.Logf("killed the operator when %d of the %d objects of %s existed (phase %q): %v",
		count(namesByKind(atKill)), count(expectedChildren(t, sim)), key.Name, sim.Status.Phase, atKill)

	start := time.Now()
	if err := suite.operator.start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("operator back in %s", time.Since(start).Round(time.Millisecond))
	sim = waitReady(t, key)
	eventually(t, readyTimeout, "the workloads of "+key.Name+" to settle", workloadsSettled(sim))

	assertExactlyExpectedChildren(t, sim)
	now, err := labelledObjects(t.Context(), key.Namespace, key.Name)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]object{}
	for _, o := range atKill {
		before[o.String()] = o
	}
	assertUnchanged(t, before, now)
	assertOneReplicaSetEach(t, key)
}

// assertOneReplicaSetEach checks every Deployment of the simulation rolled
// out exactly once: a second ReplicaSet would mean the restarted operator
// applied a different pod template.
func assertOneReplicaSetEach(t *testing.T, key client.ObjectKey) {
	t.Helper()
	var deployments appsv1.DeploymentList
	err := suite.client.List(t.Context(), &deployments, client.InNamespace(key.Namespace),
		client.MatchingLabels{resources.LabelSimulation: key.Name})
	if err != nil {
		t.Fatal(err)
	}
	for i := range deployments.Items {
		d := &deployments.Items[i]
		sets, err := replicaSetsOf(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) != 1 {
			var names []string
			for _, rs := range sets {
				names = append(names, fmt.Sprintf("%s (revision %d)", rs.Name, revision(&rs)))
			}
			t.Errorf("Deployment %s has %d ReplicaSets, want 1: %v", d.Name, len(sets), names)
		}
	}
}

func count(byKind map[string][]string) int {
	n := 0
	for _, names := range byKind {
		n += len(names)
	}
	return n
}

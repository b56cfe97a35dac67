//go:build e2e

package e2e

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// TestSampleLifecycle takes the sample simulation through a user's first
// day: create, scale, update, delete, create again.
func TestSampleLifecycle(t *testing.T) {
	namespace := newNamespace(t, "sample")
	l := &sampleLifecycle{key: client.ObjectKey{Namespace: namespace, Name: "tavern"}}
	createSample(t, namespace, l.key.Name)

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"reaches Ready with its pods Running", l.reachesReady},
		{"scales the MCP server from 2 to 3 replicas", l.scalesMCPServer},
		{"rolls out a new MCP server template", l.rollsOutNewTemplate},
		{"deletion collects the children and keeps the volumes", l.deletionKeepsVolumes},
		{"a re-created simulation finds its volumes and credentials", l.recreatedFindsRetained},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return // the later steps build on this one
		}
	}
}

// sampleLifecycle is the state the steps of TestSampleLifecycle share.
type sampleLifecycle struct {
	key client.ObjectKey
	// retained is what must outlive the simulation, recorded before it is
	// deleted: the objects nothing owns, by "Kind/name".
	retained map[string]object
}

func (l *sampleLifecycle) reachesReady(t *testing.T) {
	key := l.key
	sim := waitReady(t, key)
	eventually(t, readyTimeout, "the workloads of "+key.Name+" to settle", workloadsSettled(sim))
	assertExactlyExpectedChildren(t, sim)
}

func mcpServerDeployment(t *testing.T, key client.ObjectKey) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: key.Namespace, Name: resources.MCPServerName(key.Name)}, d); err != nil {
		t.Fatalf("get the MCP server Deployment: %v", err)
	}
	return d
}

func (l *sampleLifecycle) scalesMCPServer(t *testing.T) {
	key := l.key
	sim := waitReady(t, key)
	if got := *mcpServerDeployment(t, key).Spec.Replicas; got != 2 {
		t.Fatalf("the sample's MCP server has %d replicas, want 2", got)
	}
	patchSpec(t, sim, `{"mcpServer":{"replicas":3}}`)
	sim = waitReady(t, key)
	eventually(t, readyTimeout, "3 MCP server pods of one template, Running", workloadsSettled(sim))
	if got := *mcpServerDeployment(t, key).Spec.Replicas; got != 3 {
		t.Errorf("MCP server Deployment has %d replicas, want 3", got)
	}
}

// rollsOutNewTemplate changes the MCP server's resources, which changes its
// pod template: a new ReplicaSet must replace every pod.
func (l *sampleLifecycle) rollsOutNewTemplate(t *testing.T) {
	key := l.key
	sim := waitReady(t, key)
	before := mcpServerDeployment(t, key)
	oldRS, err := newestReplicaSet(t.Context(), before)
	if err != nil {
		t.Fatal(err)
	}
	patchSpec(t, sim, `{"mcpServer":{"resources":{"requests":{"cpu":"15m","memory":"48Mi"},"limits":{"memory":"200Mi"}}}}`)
	sim = waitReady(t, key)
	eventually(t, readyTimeout, "the new MCP server template rolled out", workloadsSettled(sim))

	after := mcpServerDeployment(t, key)
	if after.Generation == before.Generation {
		t.Fatalf("the MCP server Deployment is still at generation %d: the change did not reach it", before.Generation)
	}
	newRS, err := newestReplicaSet(t.Context(), after)
	if err != nil {
		t.Fatal(err)
	}
	if newRS.UID == oldRS.UID {
		t.Fatalf("no new ReplicaSet: %s still the newest", oldRS.Name)
	}
	pods, err := podsOf(t.Context(), key.Namespace, after.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	want := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("15m"), corev1.ResourceMemory: resource.MustParse("48Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("200Mi")},
	}
	for _, p := range pods {
		got := p.Spec.Containers[0].Resources
		if !got.Requests.Cpu().Equal(*want.Requests.Cpu()) || !got.Requests.Memory().Equal(*want.Requests.Memory()) ||
			!got.Limits.Memory().Equal(*want.Limits.Memory()) {
			t.Errorf("pod %s (container %s) has resources %v, want %v", p.Name, p.Spec.Containers[0].Name, got, want)
		}
	}
	old := &appsv1.ReplicaSet{}
	if err := suite.client.Get(t.Context(), client.ObjectKeyFromObject(oldRS), old); err != nil {
		t.Fatalf("get the old ReplicaSet: %v", err)
	}
	if *old.Spec.Replicas != 0 || old.Status.Replicas != 0 {
		t.Errorf("old ReplicaSet %s still has %d replicas (%d wanted), want 0", old.Name, old.Status.Replicas, *old.Spec.Replicas)
	}
}

// deletionKeepsVolumes deletes the simulation: the garbage collector must
// remove everything it owns, directly or through its workloads, while the
// volume claims and the objects nothing owns stay, unchanged.
func (l *sampleLifecycle) deletionKeepsVolumes(t *testing.T) {
	key := l.key
	sim := waitReady(t, key)
	before, err := labelledObjects(t.Context(), key.Namespace, key.Name)
	if err != nil {
		t.Fatal(err)
	}
	l.retained = map[string]object{}
	for _, o := range before {
		if len(o.owners) == 0 {
			l.retained[o.String()] = o
		}
	}
	for _, v := range resources.DataVolumes(sim) {
		claim := object{kind: "PersistentVolumeClaim", name: resources.DataClaimName(v.StatefulSet)}
		if _, ok := l.retained[claim.String()]; !ok {
			t.Fatalf("volume claim %s is missing or has an owner, so deletion would take it: %v", claim.name, before)
		}
	}
	if err := suite.client.Delete(t.Context(), sim); err != nil {
		t.Fatalf("delete %s: %v", key.Name, err)
	}
	eventually(t, 2*time.Minute, "the simulation and everything it owns to be gone", func(ctx context.Context) (string, bool, error) {
		err := suite.client.Get(ctx, key, &v1alpha1.CharacterSimulation{})
		if err == nil {
			return "the simulation still exists", false, nil
		}
		if !apierrors.IsNotFound(err) {
			return err.Error(), false, nil
		}
		now, err := labelledObjects(ctx, key.Namespace, key.Name)
		if err != nil {
			return err.Error(), false, nil
		}
		var left []string
		for _, o := range now {
			if _, ok := l.retained[o.String()]; !ok {
				left = append(left, o.String())
			}
		}
		return "left: " + strings.Join(left, ", "), len(left) == 0, nil
	})
	now, err := labelledObjects(t.Context(), key.Namespace, key.Name)
	if err != nil {
		t.Fatal(err)
	}
	assertUnchanged(t, l.retained, now)
	for _, o := range now {
		if o.kind != "PersistentVolumeClaim" {
			continue
		}
		claim := &corev1.PersistentVolumeClaim{}
		if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: key.Namespace, Name: o.name}, claim); err != nil {
			t.Fatal(err)
		}
		if claim.Status.Phase != corev1.ClaimBound || claim.DeletionTimestamp != nil {
			t.Errorf("claim %s is %s (deleting: %t), want Bound and kept", o.name, claim.Status.Phase, claim.DeletionTimestamp != nil)
		}
	}
	t.Logf("kept after deletion: %s", strings.Join(slices.Sorted(maps.Keys(l.retained)), ", "))
}

// recreatedFindsRetained creates the simulation again under the same name:
// its stores must come back on the same volume claims and credentials.
func (l *sampleLifecycle) recreatedFindsRetained(t *testing.T) {
	key := l.key
	if len(l.retained) == 0 {
		t.Fatal("the deletion step recorded nothing retained")
	}
	createSample(t, key.Namespace, key.Name)
	sim := waitReady(t, key)
	eventually(t, readyTimeout, "the workloads of the re-created "+key.Name+" to settle", workloadsSettled(sim))
	now, err := labelledObjects(t.Context(), key.Namespace, key.Name)
	if err != nil {
		t.Fatal(err)
	}
	assertUnchanged(t, l.retained, now)
	assertExactlyExpectedChildren(t, sim)
}

// assertUnchanged checks every object in want is in got with the same UID:
// kept, not deleted and made again.
func assertUnchanged(t *testing.T, want map[string]object, got []object) {
	t.Helper()
	byName := map[string]types.UID{}
	for _, o := range got {
		byName[o.String()] = o.uid
	}
	for name, o := range want {
		uid, ok := byName[name]
		switch {
		case !ok:
			t.Errorf("%s is gone", name)
		case uid != o.uid:
			t.Errorf("%s was replaced (UID %s, was %s)", name, uid, o.uid)
		}
	}
}

//go:build e2e

package e2e

import (
	"context"
	"maps"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/labelled"
	"github.com/mojin/charsim/internal/resources"
)

// object is one labelled object, by metadata.
type object struct {
	kind, name string
	uid        types.UID
	owners     []metav1.OwnerReference
}

func (o object) String() string { return o.kind + "/" + o.name }

// labelledObjects lists every object labelled with the simulation's name.
func labelledObjects(ctx context.Context, namespace, sim string) ([]object, error) {
	items, err := labelled.List(ctx, suite.client, namespace, sim, labelled.ChildKinds)
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(items))
	for _, item := range items {
		out = append(out, object{kind: item.GetKind(), name: item.GetName(), uid: item.GetUID(), owners: item.GetOwnerReferences()})
	}
	return out, nil
}

// namesByKind groups objects' names by kind, sorted, leaving out the kinds
// the workloads (not the operator) create.
func namesByKind(objects []object) map[string][]string {
	out := map[string][]string{}
	for _, o := range objects {
		if o.kind == "ReplicaSet" || o.kind == "Pod" {
			continue
		}
		out[o.kind] = append(out[o.kind], o.name)
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out
}

// expectedChildren is every object the operator makes for the simulation
// (its applied children, generated Secrets and the stores' volume claims),
// as names by kind. The operator's own builders name them; which objects
// exist and how many is what the tests check against the cluster.
func expectedChildren(t *testing.T, sim *v1alpha1.CharacterSimulation) map[string][]string {
	t.Helper()
	desired, err := resources.Desired(sim, resources.DefaultOptions(), nil)
	if err != nil {
		t.Fatalf("desired objects of %s: %v", sim.Name, err)
	}
	var objects []object
	for _, d := range desired {
		objects = append(objects, object{kind: *d.GetKind(), name: *d.GetName()})
	}
	for _, s := range resources.GeneratedSecrets(sim) {
		objects = append(objects, object{kind: "Secret", name: s.Name})
	}
	for _, v := range resources.DataVolumes(sim) {
		objects = append(objects, object{kind: "PersistentVolumeClaim", name: resources.DataClaimName(v.StatefulSet)})
	}
	return namesByKind(objects)
}

// assertExactlyExpectedChildren checks the simulation has each expected
// child exactly once and nothing else labelled with its name.
func assertExactlyExpectedChildren(t *testing.T, sim *v1alpha1.CharacterSimulation) {
	t.Helper()
	objects, err := labelledObjects(t.Context(), sim.Namespace, sim.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, want := namesByKind(objects), expectedChildren(t, sim)
	for _, kind := range slices.Sorted(maps.Keys(mergeKeys(got, want))) {
		if !slices.Equal(got[kind], want[kind]) {
			t.Errorf("%s of %s: got %q, want %q", kind, sim.Name, got[kind], want[kind])
		}
	}
}

func mergeKeys(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

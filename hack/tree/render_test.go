package main

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// object builds an unstructured object; owners are UIDs, the first one the
// controller.
func object(kind, name, uid string, fields map[string]any, owners ...string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range fields {
		o.Object[k] = v
	}
	o.SetKind(kind)
	o.SetName(name)
	o.SetUID(types.UID(uid))
	var refs []metav1.OwnerReference
	for i, owner := range owners {
		controller := i == 0
		refs = append(refs, metav1.OwnerReference{UID: types.UID(owner), Controller: &controller})
	}
	o.SetOwnerReferences(refs)
	return o
}

func TestRenderFollowsOwnerReferences(t *testing.T) {
	replicas := func(spec, ready int64) map[string]any {
		return map[string]any{"spec": map[string]any{"replicas": spec}, "status": map[string]any{"readyReplicas": ready}}
	}
	pod := map[string]any{"spec": map[string]any{"nodeName": "kwok-node-0"}, "status": map[string]any{"phase": "Running"}}
	objects := []*unstructured.Unstructured{
		object("CharacterSimulation", "tavern", "sim", map[string]any{"status": map[string]any{"phase": "Ready"}}),
		// Listed out of order on purpose: the tree sorts by kind, then name.
		object("Service", "tavern-mcp-server", "svc", map[string]any{"spec": map[string]any{"type": "ClusterIP", "clusterIP": "10.96.0.20"}}, "sim"),
		object("Pod", "tavern-mcp-server-abc-2", "pod2", pod, "rs"),
		object("Pod", "tavern-mcp-server-abc-1", "pod1", map[string]any{"status": map[string]any{"phase": "Pending"}}, "rs"),
		object("ReplicaSet", "tavern-mcp-server-abc", "rs", replicas(2, 1), "deploy"),
		object("Deployment", "tavern-mcp-server", "deploy", replicas(2, 1), "sim"),
		object("StatefulSet", "tavern-redis", "sts", replicas(1, 1), "sim"),
		object("Pod", "tavern-redis-0", "pod3", pod, "sts"),
		object("PersistentVolumeClaim", "data-tavern-redis-0", "pvc",
			map[string]any{"status": map[string]any{"phase": "Bound", "capacity": map[string]any{"storage": "1Gi"}}}),
		object("Secret", "tavern-redis-credentials", "secret", map[string]any{"type": "Opaque"}),
		object("Pod", "stray", "pod4", nil, "someone-else"),
	}
	want := `CharacterSimulation/tavern  Ready
├─ StatefulSet/tavern-redis  1/1 ready
│  └─ Pod/tavern-redis-0  Running on kwok-node-0
├─ Deployment/tavern-mcp-server  1/2 ready
│  └─ ReplicaSet/tavern-mcp-server-abc  1/2 ready
│     ├─ Pod/tavern-mcp-server-abc-1  Pending
│     └─ Pod/tavern-mcp-server-abc-2  Running on kwok-node-0
└─ Service/tavern-mcp-server  ClusterIP 10.96.0.20

Labelled for tavern but not owned by it (not deleted with it):
  Pod/stray
  PersistentVolumeClaim/data-tavern-redis-0  Bound 1Gi
  Secret/tavern-redis-credentials  Opaque
`
	if got := render(objects); got != want {
		t.Errorf("render:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderPrefersTheControllerOwner(t *testing.T) {
	objects := []*unstructured.Unstructured{
		object("CharacterSimulation", "tavern", "sim", nil),
		object("StatefulSet", "tavern-redis", "sts", nil, "sim"),
		object("PersistentVolumeClaim", "data", "pvc", nil),
	}
	// Owned by both; the StatefulSet, listed second but the controller, is
	// where it belongs.
	yes, no := true, false
	objects[2].SetOwnerReferences([]metav1.OwnerReference{
		{UID: "sim", Controller: &no},
		{UID: "sts", Controller: &yes},
	})
	want := `CharacterSimulation/tavern
└─ StatefulSet/tavern-redis  0/0 ready
   └─ PersistentVolumeClaim/data
`
	if got := render(objects); got != want {
		t.Errorf("render:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderWithoutChildren(t *testing.T) {
	got := render([]*unstructured.Unstructured{object("CharacterSimulation", "empty", "sim", nil)})
	if want := "CharacterSimulation/empty\n"; got != want {
		t.Errorf("render = %q, want %q", got, want)
	}
	if got := render(nil); got != "" {
		t.Errorf("render(nil) = %q, want empty", got)
	}
}

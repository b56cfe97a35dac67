package controllers

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// withoutQdrant turns Qdrant off: the MCP server keeps the vectors in
// PostgreSQL.
func withoutQdrant(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Qdrant.Mode = v1alpha1.QdrantDisabled
	return sim
}

// qdrantlessChildren is every child of the sample simulation without Qdrant.
func qdrantlessChildren(s string) []child {
	return slices.Concat(postgresChildren(s), redisChildren(s), mcpChildren(s), botChildren(s),
		storeCredentials(s, "postgres", "redis"))
}

// qdrantObjects is what a simulation has of Qdrant: its workload, Services,
// NetworkPolicy and generated API key.
func qdrantObjects(s string) []child {
	return append(qdrantChildren(s), storeCredentials(s, "qdrant")...)
}

// assertNoQdrant checks that nothing of the simulation reaches for Qdrant:
// no QDRANT_* variables in the MCP server (which then keeps the vectors in
// PostgreSQL), and no NetworkPolicy flow to Qdrant's pods or ports.
func assertNoQdrant(t *testing.T, sim *v1alpha1.CharacterSimulation) {
	t.Helper()
	mcp := container(t, sim.Namespace, resources.MCPServerName(sim.Name))
	for _, name := range []string{resources.EnvQdrantURL, resources.EnvQdrantAPIKey} {
		if e := envNamed(mcp, name); e != nil {
			t.Errorf("the MCP server of a Qdrant-less simulation has %s = %+v", name, e)
		}
	}
	wantEnvFromSecret(t, mcp, resources.EnvDatabaseURL, resources.PostgresCredentialsName(sim.Name), resources.KeyURL)

	var policies networkingv1.NetworkPolicyList
	if err := k8s.List(context.Background(), &policies, client.InNamespace(sim.Namespace),
		client.MatchingLabels{resources.LabelSimulation: sim.Name}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, np := range policies.Items {
		names = append(names, np.Name)
		if np.Spec.PodSelector.MatchLabels[resources.LabelComponent] == resources.ComponentQdrant {
			t.Errorf("NetworkPolicy %s selects Qdrant pods", np.Name)
		}
		for _, rule := range np.Spec.Egress {
			for _, peer := range rule.To {
				if peer.PodSelector != nil && peer.PodSelector.MatchLabels[resources.LabelComponent] == resources.ComponentQdrant {
					t.Errorf("NetworkPolicy %s allows egress to Qdrant", np.Name)
				}
			}
			for _, p := range rule.Ports {
				if p.Port != nil && (p.Port.IntVal == resources.QdrantHTTPPort || p.Port.IntVal == resources.QdrantGRPCPort) {
					t.Errorf("NetworkPolicy %s allows egress to port %s", np.Name, p.Port.String())
				}
			}
			if len(rule.To) == 0 && len(rule.Ports) == 0 {
				t.Errorf("NetworkPolicy %s allows egress anywhere, as for an external store", np.Name)
			}
		}
	}
	slices.Sort(names)
	want := []string{sim.Name + "-default-deny", sim.Name + "-discord-bot", sim.Name + "-mcp-server", sim.Name + "-postgres", sim.Name + "-redis"}
	if sim.Spec.Backup != nil {
		want = append(want, sim.Name+"-backup")
		slices.Sort(want)
	}
	if !slices.Equal(names, want) {
		t.Errorf("NetworkPolicies = %v, want %v", names, want)
	}
}

// waitForQdrantDisabled waits for QdrantReady True with reason Disabled, as
// RedisReady is for a disabled Redis.
func waitForQdrantDisabled(t *testing.T, sim *v1alpha1.CharacterSimulation) {
	t.Helper()
	waitForStatus(t, sim, "QdrantReady True/Disabled", func(s v1alpha1.CharacterSimulationStatus) error {
		c := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionQdrantReady)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != resources.ReasonDisabled {
			return fmt.Errorf("QdrantReady = %+v, want True/Disabled", c)
		}
		return nil
	})
}

// TestQdrantlessSimulation: a simulation without Qdrant gets no Qdrant
// objects, an MCP server without QDRANT_URL, NetworkPolicies without Qdrant,
// reaches Ready, is backed up without a Qdrant volume and restores from that
// backup into a new Qdrant-less simulation.
func TestQdrantlessSimulation(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := withoutQdrant(newBackedUpSimulation(ns, "cottage", time.Minute))
	create(t, sim)
	waitForChildren(t, sim, qdrantlessChildren("cottage"))
	for _, c := range qdrantObjects("cottage") {
		if err := gone(ns, c.name, c.obj()); err != nil {
			t.Errorf("a Qdrant-less simulation has Qdrant's %s %s: %v", kindOf(c.obj()), c.name, err)
		}
	}
	assertNoQdrant(t, sim)

	waitForQdrantDisabled(t, sim)
	markAllReady(t, sim)
	waitForStatus(t, sim, "Ready without Qdrant", func(s v1alpha1.CharacterSimulationStatus) error {
		if err := phaseIs(v1alpha1.PhaseReady)(s); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("Ready = %+v", c)
		}
		return nil
	})

	// The backup snapshots PostgreSQL (which holds the vectors) and Redis.
	createDataClaims(t, sim)
	b := createBackup(t, sim, "cottage-1")
	completeBackup(t, sim, b, "0")
	var components []string
	for _, s := range b.Status.Snapshots {
		components = append(components, s.Component)
	}
	if !slices.Equal(components, []string{resources.ComponentPostgres, resources.ComponentRedis}) {
		t.Errorf("backup snapshots %v, want postgres and redis only", components)
	}
	for _, s := range backupSnapshots(t, b) {
		if s.Labels[resources.LabelComponent] == resources.ComponentQdrant {
			t.Errorf("VolumeSnapshot %s is of a Qdrant volume", s.Name)
		}
	}

	// A new Qdrant-less simulation restores from it without a Qdrant volume.
	restored := withoutQdrant(restoringSimulation(ns, "cottage-copy", b.Name))
	create(t, restored)
	c := waitForCondition(t, restored, v1alpha1.ConditionRestored, metav1.ConditionTrue, resources.ReasonRestored)
	if c.Message != "volumes of postgres, redis restored from backup cottage-1" {
		t.Errorf("Restored message %q", c.Message)
	}
	assertRestoredClaims(t, restored, b)
	waitForChildren(t, restored, qdrantlessChildren("cottage-copy"))
	if err := gone(ns, resources.DataClaimName(resources.QdrantName("cottage-copy")), &corev1.PersistentVolumeClaim{}); err != nil {
		t.Errorf("the restore made a Qdrant claim: %v", err)
	}
	assertNoQdrant(t, restored)
	markAllReady(t, restored)
	waitForStatus(t, restored, "restored Qdrant-less simulation Ready", phaseIs(v1alpha1.PhaseReady))
}

// TestSwitchingQdrantOffAndOn: disabling a managed Qdrant prunes its
// workload, Services and NetworkPolicy and drops it from the MCP server, but
// keeps its API key Secret (and, the StatefulSet controller's part, its
// volume), as for a disabled Redis; turning it on again finds the same key.
func TestSwitchingQdrantOffAndOn(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "hall")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("hall"))
	key := get(t, ns, resources.QdrantCredentialsName("hall"), &corev1.Secret{})

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { withoutQdrant(s) })
	waitForGone(t, sim, qdrantChildren("hall"))
	eventually(t, "the MCP server drops QDRANT_URL", func() error {
		if e := envNamed(container(t, ns, "hall-mcp-server"), resources.EnvQdrantURL); e != nil {
			return fmt.Errorf("QDRANT_URL = %+v", e)
		}
		return nil
	})
	assertNoQdrant(t, sim)
	if kept := get(t, ns, key.Name, &corev1.Secret{}); kept.UID != key.UID {
		t.Error("disabling Qdrant replaced its API key Secret; it must outlive it like its volume")
	}
	waitForQdrantDisabled(t, sim)
	markAllReady(t, sim)
	waitForStatus(t, sim, "Ready after Qdrant is disabled", phaseIs(v1alpha1.PhaseReady))

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Qdrant.Mode = v1alpha1.QdrantManaged })
	waitForChildren(t, sim, qdrantChildren("hall"))
	if again := get(t, ns, key.Name, &corev1.Secret{}); again.UID != key.UID {
		t.Error("turning Qdrant on again generated a new API key")
	}
	eventually(t, "the MCP server gets QDRANT_URL again", func() error {
		if e := envNamed(container(t, ns, "hall-mcp-server"), resources.EnvQdrantURL); e == nil || e.Value != resources.QdrantURL("hall") {
			return fmt.Errorf("QDRANT_URL = %+v", e)
		}
		return nil
	})
	waitForStatus(t, sim, "QdrantReady waits for the StatefulSet again", func(s v1alpha1.CharacterSimulationStatus) error {
		c := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionQdrantReady)
		if c == nil || c.Reason == resources.ReasonDisabled {
			return fmt.Errorf("QdrantReady = %+v, want it to follow the StatefulSet", c)
		}
		return nil
	})
}

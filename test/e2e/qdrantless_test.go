//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

// qdrantlessSample is the sample simulation without Qdrant.
const qdrantlessSample = "charsim_v1alpha1_charactersimulation_qdrantless.yaml"

// createQdrantlessSample creates the Qdrant-less sample under the given
// name, after applying the changes.
func createQdrantlessSample(t *testing.T, namespace, name string, changes ...func(*v1alpha1.CharacterSimulation)) {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(), "config", "samples", qdrantlessSample)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the Qdrant-less sample: %v", err)
	}
	sim := &v1alpha1.CharacterSimulation{}
	if err := yaml.UnmarshalStrict(data, sim); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if sim.Spec.Qdrant.ModeOrInferred() != v1alpha1.QdrantDisabled {
		t.Fatalf("%s runs Qdrant (%+v)", qdrantlessSample, sim.Spec.Qdrant)
	}
	sim.Namespace, sim.Name = namespace, name
	for _, change := range changes {
		change(sim)
	}
	if err := suite.client.Create(t.Context(), sim); err != nil {
		t.Fatalf("create simulation %s/%s: %v", namespace, name, err)
	}
}

// assertQdrantless checks the running simulation has nothing of Qdrant:
// no StatefulSet, Service, credentials or volume claim, QdrantReady True
// with reason Disabled, and an MCP server without QDRANT_URL, which keeps
// the vectors in PostgreSQL.
func assertQdrantless(t *testing.T, sim *v1alpha1.CharacterSimulation) {
	t.Helper()
	ctx := t.Context()
	for _, o := range []client.Object{
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: resources.QdrantName(sim.Name)}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: resources.QdrantName(sim.Name)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: resources.QdrantCredentialsName(sim.Name)}},
		&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: resources.DataClaimName(resources.QdrantName(sim.Name))}},
	} {
		err := suite.client.Get(ctx, client.ObjectKey{Namespace: sim.Namespace, Name: o.GetName()}, o)
		if !apierrors.IsNotFound(err) {
			t.Errorf("%T %s of a Qdrant-less simulation: %v, want not found", o, o.GetName(), err)
		}
	}
	c := apimeta.FindStatusCondition(sim.Status.Conditions, v1alpha1.ConditionQdrantReady)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != resources.ReasonDisabled {
		t.Errorf("QdrantReady = %+v, want True/Disabled", c)
	}
	mcp := mcpServerDeployment(t, client.ObjectKeyFromObject(sim))
	for _, e := range mcp.Spec.Template.Spec.Containers[0].Env {
		if e.Name == resources.EnvQdrantURL || e.Name == resources.EnvQdrantAPIKey {
			t.Errorf("the MCP server has %s", e.Name)
		}
	}
	assertExactlyExpectedChildren(t, sim)
}

// TestQdrantlessSimulation takes the Qdrant-less sample to Ready, backs it up
// (PostgreSQL and Redis volumes only) and restores the backup into a new
// Qdrant-less simulation that becomes Ready too.
func TestQdrantlessSimulation(t *testing.T) {
	namespace := newNamespace(t, "qdrantless")
	key := client.ObjectKey{Namespace: namespace, Name: "cottage"}
	createQdrantlessSample(t, namespace, key.Name, withBackup)
	sim := waitReady(t, key)
	eventually(t, readyTimeout, "the workloads of the Qdrant-less simulation to settle", workloadsSettled(sim))
	assertQdrantless(t, sim)

	// A backup by hand, as charsimctl backup create makes it.
	b := &v1alpha1.SimulationBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "cottage-manual"},
		Spec:       v1alpha1.SimulationBackupSpec{SimulationName: key.Name},
	}
	if err := suite.client.Create(t.Context(), b); err != nil {
		t.Fatalf("create backup: %v", err)
	}
	eventually(t, backupTimeout, "backup "+b.Name+" to finish", func(ctx context.Context) (string, bool, error) {
		if err := suite.client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return err.Error(), false, nil
		}
		if b.Status.Phase == v1alpha1.BackupFailed {
			return "", false, fmt.Errorf("backup %s Failed: %+v", b.Name, b.Status.Conditions)
		}
		return fmt.Sprintf("phase %q", b.Status.Phase), b.Status.Phase == v1alpha1.BackupCompleted, nil
	})
	assertBackupCompleted(t, b, 2)
	var components []string
	for _, rec := range b.Status.Snapshots {
		components = append(components, rec.Component)
	}
	if !slices.Equal(components, []string{resources.ComponentPostgres, resources.ComponentRedis}) {
		t.Errorf("backup snapshots %v, want postgres and redis", components)
	}

	restoredKey := client.ObjectKey{Namespace: namespace, Name: "cottage-restored"}
	createQdrantlessSample(t, namespace, restoredKey.Name, func(s *v1alpha1.CharacterSimulation) {
		s.Spec.Restore = &v1alpha1.RestoreSpec{BackupName: b.Name}
	})
	restored := waitReady(t, restoredKey)
	eventually(t, readyTimeout, "the workloads of the restored simulation to settle", workloadsSettled(restored))
	if c := apimeta.FindStatusCondition(restored.Status.Conditions, v1alpha1.ConditionRestored); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Restored = %+v, want True", c)
	}
	for _, rec := range b.Status.Snapshots {
		name := "data-" + restoredKey.Name + "-" + rec.Component + "-0"
		claim := &corev1.PersistentVolumeClaim{}
		if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: namespace, Name: name}, claim); err != nil {
			t.Fatalf("get restored claim %s: %v", name, err)
		}
		if ds := claim.Spec.DataSource; ds == nil || ds.Kind != "VolumeSnapshot" || ds.Name != rec.VolumeSnapshotName ||
			ptr.Deref(ds.APIGroup, "") != "snapshot.storage.k8s.io" {
			t.Errorf("claim %s: dataSource %+v, want VolumeSnapshot %s", name, ds, rec.VolumeSnapshotName)
		}
	}
	assertQdrantless(t, restored)
}

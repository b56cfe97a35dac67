//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
}

// leaderElectionID is the manager's Lease name (LeaderElectionID in main.go).
const leaderElectionID = "charsim.mojin.dev"

// refuseOtherOperators fails when a charsim operator already runs on the
// cluster (make demo's, say): it would reconcile the suite's simulations too,
// and the restart test would prove nothing.
func (e *environment) refuseOtherOperators(ctx context.Context) error {
	var leases coordinationv1.LeaseList
	if err := e.client.List(ctx, &leases); err != nil {
		return fmt.Errorf("list leases: %w", err)
	}
	for _, l := range leases.Items {
		if l.Name != leaderElectionID || l.Spec.RenewTime == nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
			continue
		}
		duration := time.Duration(ptr.Deref(l.Spec.LeaseDurationSeconds, 15)) * time.Second
		if time.Since(l.Spec.RenewTime.Time) < 2*duration {
			return fmt.Errorf("another charsim operator is active on this cluster (lease %s/%s held by %s); stop it first (make demo-down stops the demo's)",
				l.Namespace, l.Name, *l.Spec.HolderIdentity)
		}
	}
	return nil
}

// createRestrictedNamespace creates a namespace that enforces Pod Security
// "restricted" on every pod in it.
func createRestrictedNamespace(ctx context.Context, c client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": "latest",
	}}}
	if err := c.Create(ctx, ns); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

func deleteNamespace(ctx context.Context, c client.Client, name string) error {
	err := c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete namespace %s: %w", name, err)
	}
	return nil
}

// newNamespace creates a restricted namespace for one test, deleted after
// it, and checks the cluster really enforces the profile there.
func newNamespace(t *testing.T, purpose string) string {
	t.Helper()
	name := "e2e-" + suite.runID + "-" + purpose
	ctx := t.Context()
	if err := createRestrictedNamespace(ctx, suite.client, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if suite.keep {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteNamespace(ctx, suite.client, name); err != nil {
			t.Error(err)
		}
	})
	assertRestrictedEnforced(t, name)
	return name
}

// assertRestrictedEnforced dry-runs a privileged pod, which Pod Security
// admission must refuse: on a cluster without it the namespace label would
// prove nothing.
func assertRestrictedEnforced(t *testing.T, namespace string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "privileged", Namespace: namespace},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "registry.k8s.io/pause:3.10",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
		}}},
	}
	err := suite.client.Create(t.Context(), pod, client.DryRunAll)
	if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `violates PodSecurity "restricted`) {
		t.Fatalf("namespace %s: a privileged pod must be refused by Pod Security restricted, got: %v", namespace, err)
	}
}

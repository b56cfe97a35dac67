package controllers

import (
	"context"
	"crypto/rand"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// ensureSecrets creates each generated credential Secret that does not exist
// yet, except those held back (a restore brings them). An existing one is
// never updated: its value is already in use by the stores and clients (and
// the Secret is immutable anyway).
func (r *CharacterSimulationReconciler) ensureSecrets(ctx context.Context, sim *v1alpha1.CharacterSimulation, hold map[string]bool) error {
	for _, g := range resources.GeneratedSecrets(sim) {
		if hold[g.Name] {
			continue
		}
		err := r.Get(ctx, client.ObjectKey{Namespace: sim.Namespace, Name: g.Name}, newSecretMetadata())
		if err == nil {
			continue
		}
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("get secret %s: %w", g.Name, err)
		}
		// rand.Text has 128 bits of entropy in an alphabet safe in URLs and
		// config files.
		secret := g.Build(rand.Text())
		err = r.Create(ctx, secret, client.FieldOwner(FieldOwner))
		if apierrors.IsAlreadyExists(err) {
			// The cache had not caught up, or someone else created it: keep theirs.
			continue
		}
		if err != nil {
			return fmt.Errorf("create secret %s: %w", g.Name, err)
		}
		logf.FromContext(ctx).Info("Generated credentials", "secret", g.Name)
		// The Secret as the related object keeps the events API from folding
		// the Events of the simulation's several Secrets into one.
		r.Recorder.Eventf(sim, secret, corev1.EventTypeNormal, "SecretGenerated", "Reconcile", "Generated Secret %s", g.Name)
	}
	return nil
}

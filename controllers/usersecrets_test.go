package controllers

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/mojin/charsim/internal/resources"
)

// templateSecretsHash is the secrets-hash annotation of a Deployment's pods.
func templateSecretsHash(t *testing.T, ns, name string) string {
	t.Helper()
	return get(t, ns, name, &appsv1.Deployment{}).Spec.Template.Annotations[resources.AnnotationSecretsHash]
}

// waitForNewSecretsHash waits until the Deployment's pod template carries a
// secrets hash other than old, and returns it.
func waitForNewSecretsHash(t *testing.T, ns, name, old, what string) string {
	t.Helper()
	var hash string
	eventually(t, what, func() error {
		hash = templateSecretsHash(t, ns, name)
		if hash == "" || hash == old {
			return fmt.Errorf("%s secrets hash is still %q", name, hash)
		}
		return nil
	})
	return hash
}

// TestUserSecretChangeRollsThePods: the Deployments' pod templates follow the
// user Secrets their pods read, so the pods restart with the new values.
func TestUserSecretChangeRollsThePods(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	discord := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "discord"},
		StringData: map[string]string{"token": "first-discord-token-value"},
	}
	create(t, discord)
	sim := newSimulation(ns, "rotor") // reads Secrets discord and llm; llm does not exist yet
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("rotor"))
	initial := waitForNewSecretsHash(t, ns, "rotor-discord-bot", "", "the bot's pod template has a secrets hash")
	if h := templateSecretsHash(t, ns, "rotor-mcp-server"); h != "" {
		t.Errorf("the MCP server reads no user Secret but has secrets hash %q", h)
	}

	// A Secret the pods were waiting for appears.
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "llm"},
		StringData: map[string]string{"api-key": "first-llm-api-key-value"},
	})
	created := waitForNewSecretsHash(t, ns, "rotor-discord-bot", initial, "creating the LLM key Secret rolls the bot")

	// The user rotates the Discord token.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current := get(t, ns, "discord", &corev1.Secret{})
		current.Data["token"] = []byte("second-discord-token-value")
		return k8s.Update(context.Background(), current)
	})
	if err != nil {
		t.Fatalf("update the Discord Secret: %v", err)
	}
	waitForNewSecretsHash(t, ns, "rotor-discord-bot", created, "changing the Discord token rolls the bot")
	if h := templateSecretsHash(t, ns, "rotor-mcp-server"); h != "" {
		t.Errorf("the MCP server got secrets hash %q from Secrets it does not read", h)
	}
	assertNoSecretLeaks(t, sim, []string{"first-discord-token-value", "second-discord-token-value", "first-llm-api-key-value"})
}

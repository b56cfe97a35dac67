// Package admission checks what the operator builds against the real API
// server's admission: every pod template must be admitted in a namespace that
// enforces Pod Security "restricted".
package admission

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	charsimv1 "github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

const namespace = "restricted"

var k8s client.Client

func TestMain(m *testing.M) {
	schemes := []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, charsimv1.AddToScheme}
	os.Exit(testenv.Main(m, schemes, func(c *testenv.Cluster) error {
		k8s = c.Client
		return k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: namespace,
			Labels: map[string]string{
				"pod-security.kubernetes.io/enforce":         "restricted",
				"pod-security.kubernetes.io/enforce-version": "latest",
			},
		}})
	}))
}

// TestPodTemplatesAreAdmittedAsRestricted builds every variant of the stack
// and asks the API server to admit each pod template (server-side dry run).
func TestPodTemplatesAreAdmittedAsRestricted(t *testing.T) {
	secret := charsimv1.SecretKeyRef{Name: "s", Key: "k"}
	variants := map[string]charsimv1.CharacterSimulationSpec{
		"defaults": {},
		"full": {
			MCPServer: charsimv1.MCPServerSpec{Replicas: ptr.To[int32](3)},
			DiscordBot: &charsimv1.DiscordBotSpec{
				TokenSecretRef: secret,
				LLM:            charsimv1.LLMSpec{BaseURL: "http://ollama:11434/v1", Model: "llama3.1", APIKeySecretRef: &secret},
			},
		},
		"external": {
			Postgres: charsimv1.PostgresSpec{External: &charsimv1.ExternalPostgres{URLSecretRef: secret}},
			Qdrant:   charsimv1.QdrantSpec{External: &charsimv1.ExternalQdrant{URLSecretRef: secret, APIKeySecretRef: &secret}},
			Redis:    charsimv1.RedisSpec{Mode: charsimv1.RedisExternal, External: &charsimv1.ExternalRedis{URLSecretRef: secret}},
		},
		"scheduled-backup": {
			Backup: &charsimv1.BackupSpec{Schedule: "@daily"},
		},
		"openai-no-redis": {
			Redis: charsimv1.RedisSpec{Mode: charsimv1.RedisDisabled},
			MCPServer: charsimv1.MCPServerSpec{Embedding: charsimv1.EmbeddingSpec{
				Provider: charsimv1.EmbeddingOpenAI,
				OpenAI:   &charsimv1.OpenAIEmbedding{BaseURL: "https://api.openai.com/v1", Model: "text-embedding-3-small", Dimensions: 1536, APIKeySecretRef: &secret},
			}},
		},
	}
	ctx := context.Background()
	for name, spec := range variants {
		t.Run(name, func(t *testing.T) {
			// Create the simulation so the API server applies its defaults,
			// exactly as the reconciler would see it.
			sim := &charsimv1.CharacterSimulation{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Spec: spec}
			if err := k8s.Create(ctx, sim); err != nil {
				t.Fatalf("create simulation: %v", err)
			}
			objs, err := resources.Desired(sim, resources.DefaultOptions(), nil)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			templates := podTemplates(t, objs)
			if len(templates) == 0 {
				t.Fatal("no pod templates built")
			}
			if _, ok := templates["CronJob-"+resources.BackupName(name)]; spec.Backup != nil && !ok {
				t.Fatalf("no backup CronJob pod template among %d templates", len(templates))
			}
			for owner, tmpl := range templates {
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: strings.ToLower(owner), Namespace: namespace, Labels: tmpl.Labels},
					Spec:       tmpl.Spec,
				}
				if err := k8s.Create(ctx, pod, client.DryRunAll); err != nil {
					t.Errorf("%s: pod template refused: %v", owner, err)
				}
			}
		})
	}
}

// TestRestrictedNamespaceRefusesAPrivilegedPod proves the check above can fail:
// admission is really enforcing in this namespace.
func TestRestrictedNamespaceRefusesAPrivilegedPod(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "privileged", Namespace: namespace},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "busybox",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
		}}},
	}
	err := k8s.Create(context.Background(), pod, client.DryRunAll)
	if err == nil || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("a privileged pod must be refused by Pod Security, got %v", err)
	}
}

// podTemplates returns the pod template of every workload, keyed by kind/name.
func podTemplates(t *testing.T, objs []resources.Object) map[string]corev1.PodTemplateSpec {
	t.Helper()
	out := map[string]corev1.PodTemplateSpec{}
	for _, o := range objs {
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		key := *o.GetKind() + "-" + *o.GetName()
		switch *o.GetKind() {
		case "StatefulSet":
			var s appsv1.StatefulSet
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			// The StatefulSet controller adds a volume per claim template
			// to each pod; do the same so the pod is what would really run.
			tmpl := s.Spec.Template
			for _, claim := range s.Spec.VolumeClaimTemplates {
				tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{
					Name: claim.Name,
					VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
						ClaimName: claim.Name + "-" + s.Name + "-0",
					}},
				})
			}
			out[key] = tmpl
		case "Deployment":
			var d appsv1.Deployment
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			out[key] = d.Spec.Template
		case "CronJob":
			var c batchv1.CronJob
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			out[key] = c.Spec.JobTemplate.Spec.Template
		}
	}
	return out
}

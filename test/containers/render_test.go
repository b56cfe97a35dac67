//go:build containers

package containers

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// The simulation the tier renders: the Qdrant-less sample (PostgreSQL keeps
// the vectors), managed Redis and a Discord bot, with the resources the CRD
// defaults give.
const (
	simName      = "cottage"
	simNamespace = "containers"
	// discordSecret holds the bot token, a user Secret the test creates.
	discordSecret = "discord"
)

func simulation(postgresImage, redisImage string, guildIDs ...string) *v1alpha1.CharacterSimulation {
	limits := func(cpu, memory, limit string) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(limit)},
		}
	}
	return &v1alpha1.CharacterSimulation{
		ObjectMeta: metav1.ObjectMeta{Name: simName, Namespace: simNamespace, UID: "0c5e7d1a-6b7e-4f3e-9a51-2f1f6c3d8e42"},
		Spec: v1alpha1.CharacterSimulationSpec{
			Postgres: v1alpha1.PostgresSpec{Image: postgresImage, Resources: limits("100m", "256Mi", "1Gi")},
			Qdrant:   v1alpha1.QdrantSpec{Mode: v1alpha1.QdrantDisabled},
			Redis:    v1alpha1.RedisSpec{Mode: v1alpha1.RedisManaged, Image: redisImage, Resources: limits("50m", "64Mi", "256Mi")},
			MCPServer: v1alpha1.MCPServerSpec{
				Replicas:  ptr.To[int32](1),
				Embedding: v1alpha1.EmbeddingSpec{Provider: v1alpha1.EmbeddingBuiltin},
				Resources: limits("100m", "128Mi", "512Mi"),
			},
			DiscordBot: &v1alpha1.DiscordBotSpec{
				TokenSecretRef: v1alpha1.SecretKeyRef{Name: discordSecret, Key: "token"},
				GuildIDs:       guildIDs,
				// Never called: the tier's slash command needs no reply text.
				LLM:       v1alpha1.LLMSpec{BaseURL: "http://ollama.ai.svc:11434/v1", Model: "llama3.1"},
				Resources: limits("50m", "64Mi", "256Mi"),
			},
		},
	}
}

// rendered is what the operator would apply for a simulation, and the
// Secrets it would generate.
type rendered struct {
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	secrets      map[string]*corev1.Secret
}

// render runs the operator's builders, with no cluster: resources.Desired
// for the objects, resources.GeneratedSecrets with fresh random values for
// the credentials, as the reconciler draws them.
func render(t *testing.T, sim *v1alpha1.CharacterSimulation, opts resources.Options) rendered {
	t.Helper()
	objs, err := resources.Desired(sim, opts, resources.SecretVersions{})
	if err != nil {
		t.Fatalf("render %s: %v", sim.Name, err)
	}
	out := rendered{deployments: map[string]*appsv1.Deployment{}, statefulSets: map[string]*appsv1.StatefulSet{}, secrets: map[string]*corev1.Secret{}}
	for _, obj := range objs {
		switch *obj.GetKind() {
		case "Deployment":
			out.deployments[*obj.GetName()] = decode[appsv1.Deployment](t, obj)
		case "StatefulSet":
			out.statefulSets[*obj.GetName()] = decode[appsv1.StatefulSet](t, obj)
		}
	}
	for _, g := range resources.GeneratedSecrets(sim) {
		out.secrets[g.Name] = g.Build(randomToken(t))
	}
	return out
}

// decode turns an apply configuration into the typed object the API server
// would store (both share one JSON shape).
func decode[T any](t *testing.T, obj any) *T {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// randomToken is URL-safe, as the reconciler's generated values are.
func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// userSecret is a Secret the user creates, as kubectl would store it.
func userSecret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: simNamespace}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

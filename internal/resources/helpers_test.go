package resources

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

var testOptions = Options{
	MCPServerImage:  "registry.test/charsim-mcp-server:v1.2.3",
	DiscordBotImage: "registry.test/charsim-discord-bot:v1.2.3",
}

// testSecretVersions are the user Secrets of the sample simulations as the
// reconciler would read them; "shared-qdrant" does not exist yet.
var testSecretVersions = SecretVersions{
	"discord": "101", "llm": "102", "shared-db": "103", "shared-redis": "104", "openai": "105",
}

func requirements(cpu, memory, memoryLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memoryLimit)},
	}
}

// sample is the default sample simulation as the API server stores it, with
// every default applied, plus a Discord bot.
func sample() *v1alpha1.CharacterSimulation {
	return &v1alpha1.CharacterSimulation{
		ObjectMeta: metav1.ObjectMeta{
			Name:       "tavern",
			Namespace:  "stories",
			UID:        "6f1c2a4e-0d4b-4c47-9d1e-2b8f5a7c9e01",
			Generation: 3,
		},
		Spec: v1alpha1.CharacterSimulationSpec{
			Postgres: v1alpha1.PostgresSpec{
				Image:     "docker.io/library/postgres:17.6",
				Resources: requirements("100m", "256Mi", "1Gi"),
			},
			Qdrant: v1alpha1.QdrantSpec{
				Image:     "docker.io/qdrant/qdrant:v1.17.0-unprivileged",
				Resources: requirements("100m", "256Mi", "2Gi"),
			},
			Redis: v1alpha1.RedisSpec{
				Mode:      v1alpha1.RedisManaged,
				Image:     "docker.io/library/redis:8.2",
				Resources: requirements("50m", "64Mi", "256Mi"),
			},
			MCPServer: v1alpha1.MCPServerSpec{
				Replicas:  ptr.To[int32](1),
				Embedding: v1alpha1.EmbeddingSpec{Provider: v1alpha1.EmbeddingBuiltin},
				Resources: requirements("100m", "128Mi", "512Mi"),
			},
			DiscordBot: &v1alpha1.DiscordBotSpec{
				TokenSecretRef: v1alpha1.SecretKeyRef{Name: "discord", Key: "token"},
				GuildIDs:       []string{"111", "222"},
				LLM: v1alpha1.LLMSpec{
					BaseURL:         "http://ollama.ai.svc:11434/v1",
					Model:           "llama3.1",
					APIKeySecretRef: &v1alpha1.SecretKeyRef{Name: "llm", Key: "api-key"},
				},
				Resources: requirements("50m", "64Mi", "256Mi"),
			},
		},
	}
}

func withExternalStores(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Postgres.External = &v1alpha1.ExternalPostgres{URLSecretRef: v1alpha1.SecretKeyRef{Name: "shared-db", Key: "dsn"}}
	sim.Spec.Qdrant.External = &v1alpha1.ExternalQdrant{
		URLSecretRef:    v1alpha1.SecretKeyRef{Name: "shared-qdrant", Key: "url"},
		APIKeySecretRef: &v1alpha1.SecretKeyRef{Name: "shared-qdrant", Key: "api-key"},
	}
	return sim
}

// withQdrantDisabled runs no Qdrant: the MCP server keeps the vectors in
// PostgreSQL.
func withQdrantDisabled(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Qdrant.Mode = v1alpha1.QdrantDisabled
	return sim
}

// withExternalPostgres points at an existing PostgreSQL only.
func withExternalPostgres(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Postgres.External = &v1alpha1.ExternalPostgres{URLSecretRef: v1alpha1.SecretKeyRef{Name: "shared-db", Key: "dsn"}}
	return sim
}

func withRedisDisabled(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Redis.Mode = v1alpha1.RedisDisabled
	return sim
}

func withRedisExternal(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Redis.Mode = v1alpha1.RedisExternal
	sim.Spec.Redis.External = &v1alpha1.ExternalRedis{URLSecretRef: v1alpha1.SecretKeyRef{Name: "shared-redis", Key: "url"}}
	return sim
}

func withSuspend(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.Suspend = true
	return sim
}

func withMCPReplicas(n int32) func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	return func(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
		sim.Spec.MCPServer.Replicas = &n
		return sim
	}
}

func withOpenAIEmbedding(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.MCPServer.Embedding = v1alpha1.EmbeddingSpec{
		Provider: v1alpha1.EmbeddingOpenAI,
		OpenAI: &v1alpha1.OpenAIEmbedding{
			BaseURL:         "https://api.openai.com/v1",
			Model:           "text-embedding-3-small",
			Dimensions:      1536,
			APIKeySecretRef: &v1alpha1.SecretKeyRef{Name: "openai", Key: "key"},
		},
	}
	return sim
}

func withoutDiscordBot(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim.Spec.DiscordBot = nil
	return sim
}

// build returns the desired objects and fails the test on error.
func build(t *testing.T, sim *v1alpha1.CharacterSimulation) []Object {
	t.Helper()
	objs, err := Desired(sim, testOptions, testSecretVersions)
	if err != nil {
		t.Fatalf("Desired: %v", err)
	}
	return objs
}

// find returns the object of a kind and name, or nil.
func find(objs []Object, kind, name string) Object {
	for _, o := range objs {
		if *o.GetKind() == kind && *o.GetName() == name {
			return o
		}
	}
	return nil
}

// decode turns an apply configuration into the API type it configures, the
// same way the API server reads it.
func decode[T any](t *testing.T, obj Object) *T {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("marshal %s %s: %v", *obj.GetKind(), *obj.GetName(), err)
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("unmarshal %s %s: %v", *obj.GetKind(), *obj.GetName(), err)
	}
	return out
}

func mustFind[T any](t *testing.T, objs []Object, kind, name string) *T {
	t.Helper()
	o := find(objs, kind, name)
	if o == nil {
		t.Fatalf("no %s %s among the desired objects", kind, name)
	}
	return decode[T](t, o)
}

func statefulSet(t *testing.T, objs []Object, name string) *appsv1.StatefulSet {
	t.Helper()
	return mustFind[appsv1.StatefulSet](t, objs, "StatefulSet", name)
}

func deployment(t *testing.T, objs []Object, name string) *appsv1.Deployment {
	t.Helper()
	return mustFind[appsv1.Deployment](t, objs, "Deployment", name)
}

func service(t *testing.T, objs []Object, name string) *corev1.Service {
	t.Helper()
	return mustFind[corev1.Service](t, objs, "Service", name)
}

func networkPolicyNamed(t *testing.T, objs []Object, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	return mustFind[networkingv1.NetworkPolicy](t, objs, "NetworkPolicy", name)
}

func pdb(t *testing.T, objs []Object, name string) *policyv1.PodDisruptionBudget {
	t.Helper()
	return mustFind[policyv1.PodDisruptionBudget](t, objs, "PodDisruptionBudget", name)
}

// envOf indexes a container's environment by name.
func envOf(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

// wantSecretRef fails unless the variable comes from exactly that Secret key.
func wantSecretRef(t *testing.T, env map[string]corev1.EnvVar, name, secret, key string) {
	t.Helper()
	e, ok := env[name]
	if !ok {
		t.Errorf("env %s missing", name)
		return
	}
	if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
		t.Errorf("env %s = %+v, want a secretKeyRef", name, e)
		return
	}
	if got := e.ValueFrom.SecretKeyRef; got.Name != secret || got.Key != key {
		t.Errorf("env %s from secret %s key %s, want %s key %s", name, got.Name, got.Key, secret, key)
	}
}

func wantValue(t *testing.T, env map[string]corev1.EnvVar, name, value string) {
	t.Helper()
	e, ok := env[name]
	if !ok {
		t.Errorf("env %s missing", name)
		return
	}
	if e.ValueFrom != nil || e.Value != value {
		t.Errorf("env %s = %+v, want value %q", name, e, value)
	}
}

func wantAbsent(t *testing.T, env map[string]corev1.EnvVar, name string) {
	t.Helper()
	if e, ok := env[name]; ok {
		t.Errorf("env %s = %+v, want it absent", name, e)
	}
}

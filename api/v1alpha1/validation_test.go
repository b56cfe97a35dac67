package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	charsimv1 "github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/testenv"
)

// k8s is a client of the real API server started in TestMain; these tests
// check that the CRD's OpenAPI schema and CEL rules refuse what they should.
var k8s client.Client

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, []func(*runtime.Scheme) error{charsimv1.AddToScheme}, func(c *testenv.Cluster) error {
		k8s = c.Client
		return nil
	}))
}

// simulation builds an object from a YAML spec, so tests can send values the
// Go types could not even hold (wrong types, unknown enums).
func simulation(t *testing.T, name, specYAML string) *unstructured.Unstructured {
	t.Helper()
	var spec map[string]any
	if err := yaml.Unmarshal([]byte(specYAML), &spec); err != nil {
		t.Fatalf("test spec is not YAML: %v", err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": charsimv1.GroupVersion.String(),
		"kind":       "CharacterSimulation",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec":       spec,
	}}
	return u
}

const discordBot = `
discordBot:
  tokenSecretRef: {name: discord, key: token}
  llm: {baseURL: "http://ollama:11434/v1", model: llama3.1}
`

func TestSampleIsValidAndDefaulted(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "charsim_v1alpha1_charactersimulation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace("default")
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatalf("the sample must be accepted: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })

	var got charsimv1.CharacterSimulation
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Postgres.Image == "" || got.Spec.Qdrant.Image == "" || got.Spec.Redis.Image == "" {
		t.Errorf("store images were not defaulted by the API server: %+v", got.Spec)
	}
	if got.Spec.MCPServer.Resources.Requests.Memory().IsZero() {
		t.Errorf("mcpServer.resources were not defaulted")
	}
	if *got.Spec.MCPServer.Replicas != 2 {
		t.Errorf("mcpServer.replicas = %d, want 2", *got.Spec.MCPServer.Replicas)
	}
}

// TestQdrantlessSampleIsValid: the Qdrant-less sample is accepted and runs
// no Qdrant.
func TestQdrantlessSampleIsValid(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "charsim_v1alpha1_charactersimulation_qdrantless.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace("default")
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatalf("the Qdrant-less sample must be accepted: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
	var got charsimv1.CharacterSimulation
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Qdrant.ModeOrInferred() != charsimv1.QdrantDisabled {
		t.Errorf("qdrant = %+v, want mode Disabled", got.Spec.Qdrant)
	}
}

func TestEmptySpecIsDefaulted(t *testing.T) {
	ctx := context.Background()
	u := simulation(t, "empty", `{}`)
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatalf("an empty spec must be accepted: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
	var got charsimv1.CharacterSimulation
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Redis.Mode != charsimv1.RedisManaged {
		t.Errorf("redis.mode = %q, want Managed", got.Spec.Redis.Mode)
	}
	if got.Spec.MCPServer.Embedding.Provider != charsimv1.EmbeddingBuiltin {
		t.Errorf("embedding.provider = %q, want builtin", got.Spec.MCPServer.Embedding.Provider)
	}
	if got.Spec.MCPServer.Replicas == nil || *got.Spec.MCPServer.Replicas != 1 {
		t.Errorf("mcpServer.replicas = %v, want 1", got.Spec.MCPServer.Replicas)
	}
	if got.Spec.Cards.MaxFileSizeMiB != 20 {
		t.Errorf("cards.maxFileSizeMiB = %d, want 20", got.Spec.Cards.MaxFileSizeMiB)
	}
}

// TestQdrantModes: every spec written before qdrant.mode existed is still
// accepted and means what it meant (no mode is stored, and the operator
// infers it), and the new modes are accepted with their fields.
func TestQdrantModes(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, spec string
		want       charsimv1.QdrantMode
	}{
		{"no qdrant at all (managed)", `{}`, charsimv1.QdrantManaged},
		{"qdrant: {} (managed)", `qdrant: {}`, charsimv1.QdrantManaged},
		{"old managed with storage", `qdrant: {storage: {size: 20Gi}}`, charsimv1.QdrantManaged},
		{"old external without mode", `qdrant: {external: {urlSecretRef: {name: q, key: url}}}`, charsimv1.QdrantExternal},
		{"mode Managed with storage", `qdrant: {mode: Managed, storage: {size: 20Gi}}`, charsimv1.QdrantManaged},
		{"mode External", `qdrant: {mode: External, external: {urlSecretRef: {name: q, key: url}, apiKeySecretRef: {name: q, key: key}, collection: story_one}}`, charsimv1.QdrantExternal},
		{"mode Disabled", `qdrant: {mode: Disabled}`, charsimv1.QdrantDisabled},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := simulation(t, fmt.Sprintf("qdrant-mode-%d", i), tc.spec)
			if err := k8s.Create(ctx, u); err != nil {
				t.Fatalf("refused: %v", err)
			}
			t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
			var got charsimv1.CharacterSimulation
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &got); err != nil {
				t.Fatal(err)
			}
			if m := got.Spec.Qdrant.ModeOrInferred(); m != tc.want {
				t.Errorf("stored spec %+v means mode %s, want %s", got.Spec.Qdrant, m, tc.want)
			}
			if !strings.Contains(tc.spec, "mode:") && got.Spec.Qdrant.Mode != "" {
				t.Errorf("the API server set qdrant.mode = %q on a spec without one; it must stay unset", got.Spec.Qdrant.Mode)
			}
		})
	}

	// Switching an existing simulation to Disabled is an ordinary update,
	// once the fields Disabled forbids are dropped.
	u := simulation(t, "qdrant-switch", `qdrant: {storage: {size: 20Gi}}`)
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })
	var sim charsimv1.CharacterSimulation
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &sim); err != nil {
		t.Fatal(err)
	}
	sim.Spec.Qdrant.Mode = charsimv1.QdrantDisabled
	if err := k8s.Update(ctx, &sim); err == nil || !strings.Contains(err.Error(), "qdrant.storage is only allowed when qdrant.mode is Managed") {
		t.Fatalf("Disabled with the old storage: err = %v, want it refused naming qdrant.storage", err)
	}
	sim.Spec.Qdrant.Storage = nil
	if err := k8s.Update(ctx, &sim); err != nil {
		t.Fatalf("switch to Disabled refused: %v", err)
	}
}

// TestInvalidSimulationsAreRefused sends invalid objects to the API server and
// checks each is refused with a message that names the offending field.
func TestInvalidSimulationsAreRefused(t *testing.T) {
	cases := []struct {
		name      string
		objName   string
		spec      string
		wantField string // must appear in the error
	}{
		{"postgres managed and external", "", `
postgres:
  storage: {size: 10Gi}
  external: {urlSecretRef: {name: pg, key: url}}`, "postgres.storage and postgres.external are mutually exclusive"},
		{"qdrant managed and external", "", `
qdrant:
  storage: {size: 10Gi}
  external: {urlSecretRef: {name: q, key: url}}`, "qdrant.storage and qdrant.external are mutually exclusive"},
		{"qdrant external without url", "", `
qdrant: {mode: External}`, "qdrant.external is required when qdrant.mode is External"},
		{"qdrant disabled with external", "", `
qdrant:
  mode: Disabled
  external: {urlSecretRef: {name: q, key: url}}`, "qdrant.external is only allowed when qdrant.mode is External"},
		{"qdrant managed with external", "", `
qdrant:
  mode: Managed
  external: {urlSecretRef: {name: q, key: url}}`, "qdrant.external is only allowed when qdrant.mode is External"},
		{"qdrant disabled with storage", "", `
qdrant:
  mode: Disabled
  storage: {size: 20Gi}`, "qdrant.storage is only allowed when qdrant.mode is Managed"},
		{"qdrant external with storage", "", `
qdrant:
  mode: External
  external: {urlSecretRef: {name: q, key: url}}
  storage: {size: 20Gi}`, "qdrant.storage is only allowed when qdrant.mode is Managed"},
		{"qdrant unknown mode", "", `
qdrant: {mode: Embedded}`, "spec.qdrant.mode"},
		{"qdrant collection with a slash", "", `
qdrant: {external: {urlSecretRef: {name: q, key: url}, collection: "stories/one"}}`, "spec.qdrant.external.collection"},
		{"postgres external without key", "", `
postgres:
  external: {urlSecretRef: {name: pg}}`, "spec.postgres.external.urlSecretRef.key"},
		{"redis external without url", "", `
redis: {mode: External}`, "redis.external is required when redis.mode is External"},
		{"redis disabled with external", "", `
redis:
  mode: Disabled
  external: {urlSecretRef: {name: r, key: url}}`, "redis.external is required when redis.mode is External and forbidden otherwise"},
		{"redis unknown mode", "", `
redis: {mode: Sometimes}`, "spec.redis.mode"},
		{"redis storage when external", "", `
redis:
  mode: External
  external: {urlSecretRef: {name: r, key: url}}
  storage: {size: 1Gi}`, "redis.storage is only allowed when redis.mode is Managed"},
		{"storage too small", "", `
postgres: {storage: {size: 100Mi}}`, "spec.postgres.storage.size"},
		{"storage too large", "", `
qdrant: {storage: {size: 100Ti}}`, "spec.qdrant.storage.size"},
		{"storage not a quantity", "", `
postgres: {storage: {size: lots}}`, "spec.postgres.storage.size"},
		{"zero replicas", "", `
mcpServer: {replicas: 0}`, "spec.mcpServer.replicas"},
		{"too many replicas", "", `
mcpServer: {replicas: 50}`, "spec.mcpServer.replicas"},
		{"card size limit zero", "", `
cards: {maxFileSizeMiB: 0}`, "spec.cards.maxFileSizeMiB"},
		{"card size limit too large", "", `
cards: {maxFileSizeMiB: 4096}`, "spec.cards.maxFileSizeMiB"},
		{"openai provider without config", "", `
mcpServer: {embedding: {provider: openai}}`, "embedding.openai is required when embedding.provider is openai"},
		{"openai dimensions out of range", "", `
mcpServer:
  embedding:
    provider: openai
    openai: {baseURL: "http://ollama:11434/v1", model: nomic-embed-text, dimensions: 3}`, "spec.mcpServer.embedding.openai.dimensions"},
		{"unknown embedding provider", "", `
mcpServer: {embedding: {provider: magic}}`, "spec.mcpServer.embedding.provider"},
		{"unknown fusion", "", `
mcpServer: {recall: {fusion: borda}}`, "spec.mcpServer.recall.fusion"},
		{"weight not a decimal", "", `
mcpServer: {recall: {lexicalWeight: "-1"}}`, "spec.mcpServer.recall.lexicalWeight"},
		{"date weight above 1", "", `
mcpServer: {recall: {dateWeight: "1.5"}}`, "spec.mcpServer.recall.dateWeight"},
		{"both weights 0", "", `
mcpServer: {recall: {lexicalWeight: "0", vectorWeight: "0.0"}}`, "recall.lexicalWeight and recall.vectorWeight cannot both be 0"},
		{"discord bot without token", "", `
discordBot:
  llm: {baseURL: "http://ollama:11434/v1", model: llama3.1}`, "spec.discordBot.tokenSecretRef"},
		{"discord bot llm url not http", "", `
discordBot:
  tokenSecretRef: {name: discord, key: token}
  llm: {baseURL: "ollama:11434", model: llama3.1}`, "spec.discordBot.llm.baseURL"},
		{"discord bot llm url port out of range", "", `
discordBot:
  tokenSecretRef: {name: discord, key: token}
  llm: {baseURL: "http://ollama:99999/v1", model: llama3.1}`, "must be an http(s) URL with a host, and a port from 1 to 65535"},
		{"embedding url without host", "", `
mcpServer:
  embedding:
    provider: openai
    openai: {baseURL: "http:///v1", model: nomic-embed-text, dimensions: 768}`, "spec.mcpServer.embedding.openai.baseURL"},
		{"discord bot llm without model", "", `
discordBot:
  tokenSecretRef: {name: discord, key: token}
  llm: {baseURL: "http://ollama:11434/v1"}`, "spec.discordBot.llm.model"},
		{"console ingress host not a DNS name", "", `
mcpServer: {console: {ingress: {host: "Console_Example.org"}}}`, "spec.mcpServer.console.ingress.host"},
		{"console ingress without host", "", `
mcpServer: {console: {ingress: {className: nginx}}}`, "spec.mcpServer.console.ingress.host"},
		{"console ingress with the console disabled", "", `
mcpServer: {console: {enabled: false, ingress: {host: console.example.org}}}`, "console.ingress needs the console enabled"},
		{"name too long", strings.Repeat("a", 41), discordBot, "metadata.name must be at most 40 characters"},
	}
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.objName
			if name == "" {
				name = fmt.Sprintf("invalid-%d", i)
			}
			err := k8s.Create(ctx, simulation(t, name, tc.spec))
			if err == nil {
				t.Fatalf("the API server accepted an invalid simulation")
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.wantField) {
				t.Fatalf("error does not name %q:\n%v", tc.wantField, err)
			}
		})
	}
}

// TestInvalidUpdatesAreRefused covers the transition rules: storage may grow
// but not shrink, and its class is immutable.
func TestInvalidUpdatesAreRefused(t *testing.T) {
	ctx := context.Background()
	u := simulation(t, "updates", `
postgres: {storage: {size: 10Gi, storageClassName: fast}}`)
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, u) })

	cases := []struct {
		name      string
		mutate    func(*charsimv1.CharacterSimulation)
		wantError string // empty: the update must succeed
	}{
		{"grow storage", func(s *charsimv1.CharacterSimulation) {
			q := s.Spec.Postgres.Storage.Size.DeepCopy()
			q.Add(q)
			s.Spec.Postgres.Storage.Size = &q
		}, ""},
		{"shrink storage", func(s *charsimv1.CharacterSimulation) {
			q := s.Spec.Postgres.Storage.Size.DeepCopy()
			q.Set(q.Value() / 4)
			s.Spec.Postgres.Storage.Size = &q
		}, "size may grow but not shrink"},
		{"change storage class", func(s *charsimv1.CharacterSimulation) {
			other := "slow"
			s.Spec.Postgres.Storage.StorageClassName = &other
		}, "storageClassName is immutable"},
		{"drop storage class", func(s *charsimv1.CharacterSimulation) {
			s.Spec.Postgres.Storage.StorageClassName = nil
		}, "storageClassName is immutable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sim charsimv1.CharacterSimulation
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(u), &sim); err != nil {
				t.Fatal(err)
			}
			tc.mutate(&sim)
			err := k8s.Update(ctx, &sim)
			switch {
			case tc.wantError == "" && err != nil:
				t.Fatalf("valid update refused: %v", err)
			case tc.wantError != "" && err == nil:
				t.Fatalf("invalid update accepted")
			case tc.wantError != "" && (!apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.wantError)):
				t.Fatalf("want Invalid naming %q, got %v", tc.wantError, err)
			}
		})
	}
}

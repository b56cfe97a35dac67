package resources

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenCases are the simulations whose complete desired state is pinned in
// testdata/<name>.yaml.
var goldenCases = []struct {
	name   string
	mutate []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation
}{
	{name: "default"},
	{name: "external-stores", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withExternalStores}},
	{name: "qdrant-disabled", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withQdrantDisabled}},
	{name: "redis-disabled", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withRedisDisabled}},
	{name: "suspended", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withSuspend}},
	{name: "mcp-replicas-3", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withMCPReplicas(3)}},
	{name: "openai-embedding", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withOpenAIEmbedding}},
	{name: "no-discord-bot", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withoutDiscordBot}},
	{name: "console-ingress", mutate: []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{withConsole(&v1alpha1.ConsoleSpec{
		Ingress: &v1alpha1.ConsoleIngressSpec{ClassName: "nginx", Host: "console.example.org", TLSSecretName: "console-tls"},
	})}},
}

func goldenSimulation(mutate []func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	sim := sample()
	for _, m := range mutate {
		sim = m(sim)
	}
	return sim
}

// render writes the desired objects and the generated Secrets (with fixed
// stand-ins for the random values) as one multi-document YAML stream.
func render(t *testing.T, sim *v1alpha1.CharacterSimulation) []byte {
	t.Helper()
	var docs []any
	for _, g := range GeneratedSecrets(sim) {
		// The golden file shows the values readable; the Secret carries them
		// as Data, which the API server stores identically.
		secret := g.Build("RANDOM-" + g.Name)
		secret.StringData = map[string]string{}
		for k, v := range secret.Data {
			secret.StringData[k] = string(v)
		}
		secret.Data = nil
		docs = append(docs, secret)
	}
	for _, o := range build(t, sim) {
		docs = append(docs, o)
	}
	var out bytes.Buffer
	for _, d := range docs {
		raw, err := yaml.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		out.WriteString("---\n")
		out.Write(raw)
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, goldenSimulation(tc.mutate))
			path := filepath.Join("testdata", tc.name+".yaml")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (create it with go test ./internal/resources -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the builders' output; review the change and run go test ./internal/resources -update\n%s",
					path, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff is a unified diff of the golden file and the builders' output.
func lineDiff(want, got string) string {
	diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(want), B: difflib.SplitLines(got),
		FromFile: "golden", ToFile: "builders", Context: 3,
	})
	if err != nil {
		return err.Error()
	}
	return diff
}

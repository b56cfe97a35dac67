package resources

import (
	"maps"
	"slices"
	"testing"

	"github.com/mojin/charsim/api/v1alpha1"
)

func TestUserSecretNames(t *testing.T) {
	everything := withRedisExternal(withExternalStores(withOpenAIEmbedding(sample())))
	everything.Spec.MCPServer.AuthTokenSecretRef = &v1alpha1.SecretKeyRef{Name: "llm", Key: "mcp-token"}
	cases := []struct {
		name string
		sim  *v1alpha1.CharacterSimulation
		want []string
	}{
		{name: "default", sim: sample(), want: []string{"discord", "llm"}},
		{name: "no bot", sim: withoutDiscordBot(sample())},
		{
			name: "every reference, sorted, each name once",
			sim:  everything,
			want: []string{"discord", "llm", "openai", "shared-db", "shared-qdrant", "shared-redis"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := UserSecretNames(tc.sim); !slices.Equal(got, tc.want) {
				t.Errorf("UserSecretNames = %v, want %v", got, tc.want)
			}
		})
	}
}

// secretsHashes builds the simulation with the given versions and returns the
// secrets-hash annotation of every workload (empty when absent).
func secretsHashes(t *testing.T, sim *v1alpha1.CharacterSimulation, versions SecretVersions) map[string]string {
	t.Helper()
	objs, err := Desired(sim, testOptions, versions)
	if err != nil {
		t.Fatalf("Desired: %v", err)
	}
	out := map[string]string{}
	for name, pod := range podTemplates(t, objs) {
		out[name] = pod.Annotations[AnnotationSecretsHash]
	}
	return out
}

// withVersion is versions with one Secret's version replaced (or, for "",
// the Secret removed).
func withVersion(versions SecretVersions, name, version string) SecretVersions {
	out := maps.Clone(versions)
	if version == "" {
		delete(out, name)
	} else {
		out[name] = version
	}
	return out
}

func TestSecretsHashFollowsTheSecretsEachPodReads(t *testing.T) {
	sim := withExternalStores(sample())
	base := secretsHashes(t, sim, testSecretVersions)
	for name, hash := range base {
		switch name {
		case "tavern-mcp-server", "tavern-discord-bot":
			if len(hash) != 64 {
				t.Errorf("%s secrets hash = %q, want a sha256", name, hash)
			}
		default:
			// Stores read only their generated, immutable credentials.
			if hash != "" {
				t.Errorf("%s carries a secrets hash, but reads no user Secret", name)
			}
		}
	}
	if again := secretsHashes(t, sim, maps.Clone(testSecretVersions)); !maps.Equal(again, base) {
		t.Errorf("the same versions give different hashes: %v, then %v", base, again)
	}

	cases := []struct {
		what     string
		versions SecretVersions
		changed  []string
	}{
		{what: "discord token updated", versions: withVersion(testSecretVersions, "discord", "201"), changed: []string{"tavern-discord-bot"}},
		{what: "LLM key updated", versions: withVersion(testSecretVersions, "llm", "202"), changed: []string{"tavern-discord-bot"}},
		{what: "database URL updated", versions: withVersion(testSecretVersions, "shared-db", "203"), changed: []string{"tavern-mcp-server"}},
		{what: "missing Qdrant Secret created", versions: withVersion(testSecretVersions, "shared-qdrant", "204"), changed: []string{"tavern-mcp-server"}},
		{what: "discord token deleted", versions: withVersion(testSecretVersions, "discord", ""), changed: []string{"tavern-discord-bot"}},
		{what: "an unrelated Secret updated", versions: withVersion(testSecretVersions, "shared-redis", "205")},
	}
	for _, tc := range cases {
		t.Run(tc.what, func(t *testing.T) {
			got := secretsHashes(t, sim, tc.versions)
			for name, hash := range got {
				if changed := hash != base[name]; changed != slices.Contains(tc.changed, name) {
					t.Errorf("%s secrets hash changed = %v, want %v", name, changed, !changed)
				}
			}
		})
	}
}

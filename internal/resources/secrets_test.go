package resources

import (
	"slices"
	"strings"
	"testing"

	"github.com/mojin/charsim/api/v1alpha1"
)

func TestGeneratedSecrets(t *testing.T) {
	cases := []struct {
		name string
		sim  *v1alpha1.CharacterSimulation
		want []string
	}{
		{name: "default", sim: sample(), want: []string{"tavern-postgres-credentials", "tavern-qdrant-credentials", "tavern-redis-credentials", "tavern-mcp-auth"}},
		{name: "external stores", sim: withExternalStores(sample()), want: []string{"tavern-redis-credentials", "tavern-mcp-auth"}},
		{name: "external redis", sim: withRedisExternal(sample()), want: []string{"tavern-postgres-credentials", "tavern-qdrant-credentials", "tavern-mcp-auth"}},
		{name: "qdrant disabled", sim: withQdrantDisabled(sample()), want: []string{"tavern-postgres-credentials", "tavern-redis-credentials", "tavern-mcp-auth"}},
		{name: "redis disabled", sim: withRedisDisabled(sample()), want: []string{"tavern-postgres-credentials", "tavern-qdrant-credentials", "tavern-mcp-auth"}},
		{
			name: "user token",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.MCPServer.AuthTokenSecretRef = &v1alpha1.SecretKeyRef{Name: "t", Key: "k"}
				return s
			}(),
			want: []string{"tavern-postgres-credentials", "tavern-qdrant-credentials", "tavern-redis-credentials"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, g := range GeneratedSecrets(tc.sim) {
				got = append(got, g.Name)
				s := g.Build("R4ND0M")
				if s.Name != g.Name || s.Namespace != "stories" {
					t.Errorf("%s: built %s/%s", g.Name, s.Namespace, s.Name)
				}
				if s.Immutable == nil || !*s.Immutable {
					t.Errorf("%s is mutable; generated credentials must never change", g.Name)
				}
				if g.Name == MCPAuthName("tavern") {
					if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Controller == nil || !*s.OwnerReferences[0].Controller ||
						s.OwnerReferences[0].UID != tc.sim.UID {
						t.Errorf("%s owner references = %+v, want the simulation as controller", g.Name, s.OwnerReferences)
					}
				} else if len(s.OwnerReferences) != 0 {
					// Store credentials outlive the simulation, like its volumes.
					t.Errorf("%s owner references = %+v, want none", g.Name, s.OwnerReferences)
				}
				if s.Labels[LabelSimulation] != "tavern" || s.Labels[LabelManagedBy] != ManagedBy {
					t.Errorf("%s labels = %v", g.Name, s.Labels)
				}
				used := false
				for _, v := range s.Data {
					used = used || strings.Contains(string(v), "R4ND0M")
				}
				if !used {
					t.Errorf("%s does not contain the random value", g.Name)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("generated = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCredentialContents(t *testing.T) {
	sim := sample()
	pg := PostgresCredentials(sim, "PW")
	wantData(t, pg.Data, map[string]string{
		"username": "charsim",
		"password": "PW",
		"database": "charsim",
		"url":      "postgres://charsim:PW@tavern-postgres.stories.svc:5432/charsim?sslmode=disable",
	})
	wantData(t, QdrantCredentials(sim, "KEY").Data, map[string]string{"api-key": "KEY"})
	redis := RedisCredentials(sim, "PW")
	wantData(t, redis.Data, map[string]string{
		"password":   "PW",
		"url":        "redis://:PW@tavern-redis.stories.svc:6379/0",
		"redis.conf": "port 6379\nrequirepass PW\ndir /data\nappendonly yes\n",
	})
	wantData(t, MCPAuthSecret(sim, "TOKEN").Data, map[string]string{"token": "TOKEN"})
}

func wantData(t *testing.T, data map[string][]byte, want map[string]string) {
	t.Helper()
	if len(data) != len(want) {
		t.Errorf("keys = %d, want %d", len(data), len(want))
	}
	for k, v := range want {
		if string(data[k]) != v {
			t.Errorf("%s = %q, want %q", k, data[k], v)
		}
	}
}

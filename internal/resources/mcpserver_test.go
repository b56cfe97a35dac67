package resources

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

func TestMCPServerEnv(t *testing.T) {
	cases := []struct {
		name   string
		sim    *v1alpha1.CharacterSimulation
		expect func(t *testing.T, env map[string]corev1.EnvVar)
	}{
		{
			name: "managed stores, builtin embedder, generated token",
			sim:  sample(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantValue(t, env, "MCP_LISTEN_ADDR", ":8000")
				wantSecretRef(t, env, "DATABASE_URL", "tavern-postgres-credentials", "url")
				wantValue(t, env, "QDRANT_URL", "http://tavern-qdrant:6334")
				wantSecretRef(t, env, "QDRANT_API_KEY", "tavern-qdrant-credentials", "api-key")
				wantSecretRef(t, env, "REDIS_URL", "tavern-redis-credentials", "url")
				// A managed Qdrant is the simulation's own: the default collection.
				wantAbsent(t, env, "QDRANT_COLLECTION")
				wantSecretRef(t, env, "MCP_AUTH_TOKEN", "tavern-mcp-auth", "token")
				wantValue(t, env, "EMBEDDING_PROVIDER", "builtin")
				if ref := env["GOMEMLIMIT"].ValueFrom; ref == nil || ref.ResourceFieldRef == nil || ref.ResourceFieldRef.Resource != "limits.memory" {
					t.Errorf("GOMEMLIMIT = %+v, want the container's memory limit", env["GOMEMLIMIT"])
				}
				for _, n := range []string{"EMBEDDING_BASE_URL", "EMBEDDING_MODEL", "EMBEDDING_DIMENSIONS", "EMBEDDING_API_KEY",
					"RECALL_FUSION", "RECALL_FUSION_LEXICAL_WEIGHT", "RECALL_FUSION_VECTOR_WEIGHT"} {
					wantAbsent(t, env, n)
				}
			},
		},
		{
			name: "external stores come from the user's Secrets",
			sim:  withRedisExternal(withExternalStores(sample())),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantSecretRef(t, env, "DATABASE_URL", "shared-db", "dsn")
				wantSecretRef(t, env, "QDRANT_URL", "shared-qdrant", "url")
				wantSecretRef(t, env, "QDRANT_API_KEY", "shared-qdrant", "api-key")
				wantSecretRef(t, env, "REDIS_URL", "shared-redis", "url")
				// Simulations sharing the Qdrant get a collection each.
				wantValue(t, env, "QDRANT_COLLECTION", "charsim_stories_tavern")
			},
		},
		{
			name: "external qdrant with its collection named",
			sim: func() *v1alpha1.CharacterSimulation {
				s := withExternalStores(sample())
				s.Spec.Qdrant.External.Collection = "story_one"
				return s
			}(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) { wantValue(t, env, "QDRANT_COLLECTION", "story_one") },
		},
		{
			name: "external qdrant without an API key",
			sim: func() *v1alpha1.CharacterSimulation {
				s := withExternalStores(sample())
				s.Spec.Qdrant.External.APIKeySecretRef = nil
				return s
			}(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) { wantAbsent(t, env, "QDRANT_API_KEY") },
		},
		{
			name: "qdrant mode External, as explicit as an external without mode",
			sim: func() *v1alpha1.CharacterSimulation {
				s := withExternalStores(sample())
				s.Spec.Qdrant.Mode = v1alpha1.QdrantExternal
				return s
			}(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantSecretRef(t, env, "QDRANT_URL", "shared-qdrant", "url")
				wantSecretRef(t, env, "QDRANT_API_KEY", "shared-qdrant", "api-key")
			},
		},
		{
			name: "qdrant mode Managed, as explicit as an empty qdrant",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.Qdrant.Mode = v1alpha1.QdrantManaged
				return s
			}(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantValue(t, env, "QDRANT_URL", "http://tavern-qdrant:6334")
				wantSecretRef(t, env, "QDRANT_API_KEY", "tavern-qdrant-credentials", "api-key")
			},
		},
		{
			// No QDRANT_URL is what makes the server keep the vectors in
			// PostgreSQL (the embedded vector store).
			name: "qdrant disabled",
			sim:  withQdrantDisabled(sample()),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantAbsent(t, env, "QDRANT_URL")
				wantAbsent(t, env, "QDRANT_API_KEY")
				wantAbsent(t, env, "QDRANT_COLLECTION")
				wantSecretRef(t, env, "DATABASE_URL", "tavern-postgres-credentials", "url")
			},
		},
		{
			name:   "redis disabled",
			sim:    withRedisDisabled(sample()),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) { wantAbsent(t, env, "REDIS_URL") },
		},
		{
			name: "user token",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.MCPServer.AuthTokenSecretRef = &v1alpha1.SecretKeyRef{Name: "my-token", Key: "bearer"}
				return s
			}(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantSecretRef(t, env, "MCP_AUTH_TOKEN", "my-token", "bearer")
			},
		},
		{
			name: "recall tuning, only the fields set",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.MCPServer.Recall = &v1alpha1.RecallSpec{Fusion: "rrf", LexicalWeight: "2", DateWeight: "0"}
				return s
			}(),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantValue(t, env, "RECALL_FUSION", "rrf")
				wantValue(t, env, "RECALL_FUSION_LEXICAL_WEIGHT", "2")
				wantValue(t, env, "RECALL_FUSION_DATE_WEIGHT", "0")
				wantAbsent(t, env, "RECALL_FUSION_VECTOR_WEIGHT")
			},
		},
		{
			name: "openai embedder",
			sim:  withOpenAIEmbedding(sample()),
			expect: func(t *testing.T, env map[string]corev1.EnvVar) {
				wantValue(t, env, "EMBEDDING_PROVIDER", "openai")
				wantValue(t, env, "EMBEDDING_BASE_URL", "https://api.openai.com/v1")
				wantValue(t, env, "EMBEDDING_MODEL", "text-embedding-3-small")
				wantValue(t, env, "EMBEDDING_DIMENSIONS", "1536")
				wantSecretRef(t, env, "EMBEDDING_API_KEY", "openai", "key")
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := deployment(t, build(t, tc.sim), "tavern-mcp-server")
			c := d.Spec.Template.Spec.Containers[0]
			for _, e := range c.Env {
				if !slices.Contains(MCPServerEnv, e.Name) {
					t.Errorf("env %s is not listed in MCPServerEnv", e.Name)
				}
			}
			tc.expect(t, envOf(c))
		})
	}
}

func TestMCPServerWorkload(t *testing.T) {
	cases := []struct {
		name     string
		sim      *v1alpha1.CharacterSimulation
		replicas int32
		image    string
		pdb      bool
	}{
		{name: "default", sim: sample(), replicas: 1, image: testOptions.MCPServerImage},
		{name: "three replicas get a PDB", sim: withMCPReplicas(3)(sample()), replicas: 3, image: testOptions.MCPServerImage, pdb: true},
		{name: "suspended drops the PDB", sim: withSuspend(withMCPReplicas(3)(sample())), replicas: 0, image: testOptions.MCPServerImage},
		{
			name: "image from the spec wins",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.MCPServer.Image = "example.org/mcp:pinned"
				return s
			}(),
			replicas: 1, image: "example.org/mcp:pinned",
		},
		{
			name: "unset replicas means one",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.MCPServer.Replicas = nil
				return s
			}(),
			replicas: 1, image: testOptions.MCPServerImage,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := build(t, tc.sim)
			d := deployment(t, objs, "tavern-mcp-server")
			if got := ptr.Deref(d.Spec.Replicas, -1); got != tc.replicas {
				t.Errorf("replicas = %d, want %d", got, tc.replicas)
			}
			c := d.Spec.Template.Spec.Containers[0]
			if c.Image != tc.image {
				t.Errorf("image = %s, want %s", c.Image, tc.image)
			}
			if d.Spec.Template.Spec.ServiceAccountName != "tavern-mcp-server" {
				t.Errorf("serviceAccountName = %q", d.Spec.Template.Spec.ServiceAccountName)
			}
			if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "http" {
				t.Errorf("liveness = %+v, want GET /healthz on http", p)
			}
			if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
				t.Errorf("readiness = %+v, want GET /readyz", p)
			}
			svc := service(t, objs, "tavern-mcp-server")
			if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "http" || svc.Spec.Ports[0].Port != 8000 {
				t.Errorf("service ports = %+v, want http 8000", svc.Spec.Ports)
			}
			sa := mustFind[corev1.ServiceAccount](t, objs, "ServiceAccount", "tavern-mcp-server")
			if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
				t.Error("service account mounts an API token")
			}
			if got := find(objs, "PodDisruptionBudget", "tavern-mcp-server") != nil; got != tc.pdb {
				t.Fatalf("PDB present = %v, want %v", got, tc.pdb)
			}
			if tc.pdb {
				p := pdb(t, objs, "tavern-mcp-server")
				if p.Spec.MaxUnavailable == nil || p.Spec.MaxUnavailable.IntValue() != 1 ||
					p.Spec.Selector.MatchLabels[LabelComponent] != ComponentMCPServer {
					t.Errorf("PDB spec = %+v", p.Spec)
				}
			}
		})
	}
}

func TestQdrantExternalCollection(t *testing.T) {
	for _, tc := range []struct {
		namespace, name, collection, want string
	}{
		{"stories", "tavern", "", "charsim_stories_tavern"},
		{"stories", "tavern.v2", "", "charsim_stories_tavern_v2"},
		{"stories", "tavern", "story_one", "story_one"},
	} {
		sim := withExternalStores(sample())
		sim.Namespace, sim.Name = tc.namespace, tc.name
		sim.Spec.Qdrant.External.Collection = tc.collection
		if got := QdrantExternalCollection(sim); got != tc.want {
			t.Errorf("%s/%s with collection %q: %q, want %q", tc.namespace, tc.name, tc.collection, got, tc.want)
		}
	}
}

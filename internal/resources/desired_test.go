package resources

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDesiredObjects(t *testing.T) {
	want := []string{
		"NetworkPolicy/tavern-default-deny", "NetworkPolicy/tavern-postgres", "NetworkPolicy/tavern-qdrant",
		"NetworkPolicy/tavern-redis", "NetworkPolicy/tavern-mcp-server", "NetworkPolicy/tavern-discord-bot",
		"StatefulSet/tavern-postgres", "Service/tavern-postgres", "Service/tavern-postgres-headless",
		"StatefulSet/tavern-qdrant", "Service/tavern-qdrant", "Service/tavern-qdrant-headless",
		"StatefulSet/tavern-redis", "Service/tavern-redis", "Service/tavern-redis-headless",
		"ServiceAccount/tavern-mcp-server", "Deployment/tavern-mcp-server", "Service/tavern-mcp-server",
		"ServiceAccount/tavern-discord-bot", "Deployment/tavern-discord-bot",
	}
	var got []string
	for _, o := range build(t, sample()) {
		got = append(got, *o.GetKind()+"/"+*o.GetName())
	}
	if !slices.Equal(got, want) {
		t.Errorf("desired objects =\n%v\nwant\n%v", got, want)
	}
}

// TestEveryObjectIsLabelledAndOwned checks the metadata contract of every
// child in every golden case: the standard labels and one controller
// reference to the simulation.
func TestEveryObjectIsLabelledAndOwned(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			sim := goldenSimulation(tc.mutate)
			seen := map[string]bool{}
			for _, o := range build(t, sim) {
				key := *o.GetKind() + "/" + *o.GetName()
				if seen[key] {
					t.Errorf("%s is built twice", key)
				}
				seen[key] = true
				m := decode[metav1.PartialObjectMetadata](t, o)
				if m.Namespace != "stories" {
					t.Errorf("%s namespace = %q", key, m.Namespace)
				}
				component := m.Labels[LabelComponent]
				wantLabels := map[string]string{
					LabelName: component, LabelInstance: "tavern", LabelComponent: component,
					LabelPartOf: "charsim", LabelManagedBy: "charsim-operator", LabelSimulation: "tavern",
				}
				for k, v := range wantLabels {
					if m.Labels[k] != v || v == "" {
						t.Errorf("%s label %s = %q, want %q", key, k, m.Labels[k], v)
					}
				}
				refs := m.OwnerReferences
				if len(refs) != 1 || refs[0].Kind != "CharacterSimulation" || refs[0].APIVersion != "charsim.mojin.dev/v1alpha1" ||
					refs[0].Name != "tavern" || refs[0].UID != sim.UID || refs[0].Controller == nil || !*refs[0].Controller {
					t.Errorf("%s owner references = %+v, want the simulation as controller", key, refs)
				}
			}
		})
	}
}

// TestCredentialsOnlyFromSecrets: no credential ever appears as a literal in
// a pod spec, in any golden case.
func TestCredentialsOnlyFromSecrets(t *testing.T) {
	credentials := []string{
		EnvDatabaseURL, EnvQdrantAPIKey, EnvRedisURL, EnvMCPAuthToken, EnvEmbeddingAPIKey,
		EnvDiscordToken, EnvLLMAPIKey, "POSTGRES_PASSWORD", "REDISCLI_AUTH", "QDRANT__SERVICE__API_KEY",
	}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			sim := goldenSimulation(tc.mutate)
			for name, pod := range podTemplates(t, build(t, sim)) {
				for _, c := range pod.Spec.Containers {
					for _, e := range c.Env {
						if slices.Contains(credentials, e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
							t.Errorf("%s/%s: %s is not read from a Secret: %+v", name, c.Name, e.Name, e)
						}
					}
					for _, arg := range slices.Concat(c.Command, c.Args) {
						for _, g := range GeneratedSecrets(sim) {
							if arg == g.Name {
								t.Errorf("%s/%s passes a Secret on the command line", name, c.Name)
							}
						}
					}
				}
			}
		})
	}
}

func TestSuspendScalesEveryWorkloadToZero(t *testing.T) {
	objs := build(t, withSuspend(sample()))
	pods := podTemplates(t, objs)
	if len(pods) != 5 {
		t.Fatalf("suspended simulation has %d workloads, want all 5 kept (scaled to zero)", len(pods))
	}
	for name := range pods {
		var replicas *int32
		if o := find(objs, "StatefulSet", name); o != nil {
			replicas = decode[appsv1.StatefulSet](t, o).Spec.Replicas
		} else {
			replicas = deployment(t, objs, name).Spec.Replicas
		}
		if replicas == nil || *replicas != 0 {
			t.Errorf("%s replicas = %v, want 0 while suspended", name, replicas)
		}
	}
}

package resources

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

// flows renders one rule as "peer:proto/port" strings so tables stay readable:
// the peer is the component a pod selector picks, "mcp-client" for labelled
// clients, or "any" for a rule without peers.
func flows(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) []string {
	names := []string{"any"}
	if len(peers) > 0 {
		names = nil
		for _, p := range peers {
			switch {
			case p.NamespaceSelector != nil:
				name := "ns:" + p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]
				if p.PodSelector != nil {
					name += "/" + p.PodSelector.MatchLabels["app.kubernetes.io/name"]
				}
				names = append(names, name)
			case p.PodSelector.MatchLabels[LabelMCPClient] == "true":
				names = append(names, "mcp-client")
			default:
				names = append(names, p.PodSelector.MatchLabels[LabelComponent])
			}
		}
	}
	portNames := []string{"*"}
	if len(ports) > 0 {
		portNames = nil
		for _, p := range ports {
			portNames = append(portNames, fmt.Sprintf("%s/%s", *p.Protocol, p.Port.String()))
		}
	}
	var out []string
	for _, n := range names {
		for _, p := range portNames {
			out = append(out, n+":"+p)
		}
	}
	return out
}

func ingressFlows(np *networkingv1.NetworkPolicy) []string {
	var out []string
	for _, r := range np.Spec.Ingress {
		out = append(out, flows(r.From, r.Ports)...)
	}
	slices.Sort(out)
	return out
}

func egressFlows(np *networkingv1.NetworkPolicy) []string {
	var out []string
	for _, r := range np.Spec.Egress {
		out = append(out, flows(r.To, r.Ports)...)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

var dns = []string{"any:TCP/53", "any:UDP/53"}

func TestNetworkPolicies(t *testing.T) {
	cases := []struct {
		name     string
		sim      *v1alpha1.CharacterSimulation
		policies []string
		ingress  map[string][]string
		egress   map[string][]string
	}{
		{
			name:     "default",
			sim:      sample(),
			policies: []string{"tavern-default-deny", "tavern-postgres", "tavern-qdrant", "tavern-redis", "tavern-mcp-server", "tavern-discord-bot"},
			ingress: map[string][]string{
				"tavern-default-deny": nil,
				"tavern-postgres":     {"mcp-server:TCP/5432"},
				"tavern-qdrant":       {"mcp-server:TCP/6333", "mcp-server:TCP/6334"},
				"tavern-redis":        sorted("mcp-server:TCP/6379", "discord-bot:TCP/6379"),
				"tavern-mcp-server":   sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000"),
				"tavern-discord-bot":  nil,
			},
			egress: map[string][]string{
				"tavern-default-deny": nil,
				"tavern-mcp-server":   sorted(append([]string{"postgres:TCP/5432", "qdrant:TCP/6333", "qdrant:TCP/6334", "redis:TCP/6379"}, dns...)...),
				// The LLM runs in the cluster on 11434; Discord is on 443.
				"tavern-discord-bot": sorted(append([]string{"mcp-server:TCP/8000", "redis:TCP/6379", "any:TCP/443", "any:TCP/11434"}, dns...)...),
			},
		},
		{
			name:     "external stores open the MCP server's egress",
			sim:      withoutDiscordBot(withExternalStores(sample())),
			policies: []string{"tavern-default-deny", "tavern-redis", "tavern-mcp-server"},
			ingress: map[string][]string{
				"tavern-redis":      {"mcp-server:TCP/6379"},
				"tavern-mcp-server": {"mcp-client:TCP/8000"},
			},
			egress: map[string][]string{
				"tavern-mcp-server": sorted(append([]string{"redis:TCP/6379", "any:*"}, dns...)...),
			},
		},
		{
			name:     "redis disabled, openai embeddings on 443",
			sim:      withOpenAIEmbedding(withRedisDisabled(sample())),
			policies: []string{"tavern-default-deny", "tavern-postgres", "tavern-qdrant", "tavern-mcp-server", "tavern-discord-bot"},
			egress: map[string][]string{
				"tavern-mcp-server":  sorted(append([]string{"postgres:TCP/5432", "qdrant:TCP/6333", "qdrant:TCP/6334", "any:TCP/443"}, dns...)...),
				"tavern-discord-bot": sorted(append([]string{"mcp-server:TCP/8000", "any:TCP/443", "any:TCP/11434"}, dns...)...),
			},
		},
		{
			name:     "qdrant disabled drops its policy and the MCP server's egress to it",
			sim:      withQdrantDisabled(sample()),
			policies: []string{"tavern-default-deny", "tavern-postgres", "tavern-redis", "tavern-mcp-server", "tavern-discord-bot"},
			ingress: map[string][]string{
				"tavern-postgres":   {"mcp-server:TCP/5432"},
				"tavern-mcp-server": sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000"),
			},
			egress: map[string][]string{
				// No "any:*" either: a disabled Qdrant is not an external one.
				"tavern-mcp-server": sorted(append([]string{"postgres:TCP/5432", "redis:TCP/6379"}, dns...)...),
			},
		},
		{
			name:     "qdrant disabled, postgres external",
			sim:      withoutDiscordBot(withQdrantDisabled(withRedisDisabled(withExternalPostgres(sample())))),
			policies: []string{"tavern-default-deny", "tavern-mcp-server"},
			egress: map[string][]string{
				"tavern-mcp-server": sorted(append([]string{"any:*"}, dns...)...),
			},
		},
		{
			name: "bot metrics scraped from the monitoring namespace, health port only",
			sim: func() *v1alpha1.CharacterSimulation {
				s := sample()
				s.Spec.DiscordBot.Metrics = &v1alpha1.BotMetricsSpec{
					NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}},
					PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "prometheus"}},
				}
				return s
			}(),
			policies: []string{"tavern-default-deny", "tavern-postgres", "tavern-qdrant", "tavern-redis", "tavern-mcp-server", "tavern-discord-bot"},
			ingress: map[string][]string{
				"tavern-discord-bot": {"ns:monitoring/prometheus:TCP/8080"},
				// Nothing else opens: the MCP server still admits only its clients.
				"tavern-mcp-server": sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000"),
			},
		},
		{
			// A Service on 80 in front of pods on 8000 (vLLM, KServe): the
			// policy sees the pod port, so both are allowed.
			name: "endpoints behind a translating Service get their pod port too",
			sim: func() *v1alpha1.CharacterSimulation {
				s := withOpenAIEmbedding(sample())
				s.Spec.MCPServer.Embedding.OpenAI.BaseURL = "http://embeddings.models.svc/v1"
				s.Spec.MCPServer.Embedding.OpenAI.PodPort = ptr.To[int32](8080)
				s.Spec.DiscordBot.LLM.BaseURL = "http://vllm.models.svc/v1"
				s.Spec.DiscordBot.LLM.PodPort = ptr.To[int32](8000)
				return s
			}(),
			policies: []string{"tavern-default-deny", "tavern-postgres", "tavern-qdrant", "tavern-redis", "tavern-mcp-server", "tavern-discord-bot"},
			egress: map[string][]string{
				"tavern-mcp-server":  sorted(append([]string{"postgres:TCP/5432", "qdrant:TCP/6333", "qdrant:TCP/6334", "redis:TCP/6379", "any:TCP/80", "any:TCP/8080"}, dns...)...),
				"tavern-discord-bot": sorted(append([]string{"mcp-server:TCP/8000", "redis:TCP/6379", "any:TCP/443", "any:TCP/80", "any:TCP/8000"}, dns...)...),
			},
		},
		{
			name: "external redis, LLM on https",
			sim: func() *v1alpha1.CharacterSimulation {
				s := withRedisExternal(sample())
				s.Spec.DiscordBot.LLM.BaseURL = "https://api.openai.com/v1"
				return s
			}(),
			policies: []string{"tavern-default-deny", "tavern-postgres", "tavern-qdrant", "tavern-mcp-server", "tavern-discord-bot"},
			egress: map[string][]string{
				"tavern-discord-bot": sorted(append([]string{"mcp-server:TCP/8000", "any:*", "any:TCP/443"}, dns...)...),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := build(t, tc.sim)
			var got []string
			for _, o := range objs {
				if *o.GetKind() == "NetworkPolicy" {
					got = append(got, *o.GetName())
				}
			}
			if !slices.Equal(got, tc.policies) {
				t.Fatalf("policies = %v, want %v", got, tc.policies)
			}
			for name, want := range tc.ingress {
				if got := ingressFlows(networkPolicyNamed(t, objs, name)); !slices.Equal(got, want) {
					t.Errorf("%s ingress = %v, want %v", name, got, want)
				}
			}
			for name, want := range tc.egress {
				if got := egressFlows(networkPolicyNamed(t, objs, name)); !slices.Equal(got, want) {
					t.Errorf("%s egress = %v, want %v", name, got, want)
				}
			}
			deny := networkPolicyNamed(t, objs, "tavern-default-deny")
			if deny.Spec.PodSelector.MatchLabels[LabelSimulation] != "tavern" || len(deny.Spec.PodSelector.MatchLabels) != 1 ||
				!slices.Equal(deny.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
				t.Errorf("default deny = %+v, want every pod of the simulation, ingress and egress", deny.Spec)
			}
		})
	}
}

// TestNetworkPoliciesSelectRealPods checks that every policy's pod selector
// matches the pod template of the component it is named after.
func TestNetworkPoliciesSelectRealPods(t *testing.T) {
	objs := build(t, sample())
	pods := map[string]map[string]string{}
	for _, o := range objs {
		switch *o.GetKind() {
		case "StatefulSet":
			pods[*o.GetName()] = decode[appsv1.StatefulSet](t, o).Spec.Template.Labels
		case "Deployment":
			pods[*o.GetName()] = decode[appsv1.Deployment](t, o).Spec.Template.Labels
		}
	}
	for _, name := range []string{"tavern-postgres", "tavern-qdrant", "tavern-redis", "tavern-mcp-server", "tavern-discord-bot"} {
		np := networkPolicyNamed(t, objs, name)
		for k, v := range np.Spec.PodSelector.MatchLabels {
			if pods[name][k] != v {
				t.Errorf("policy %s selects %s=%s, pod template has %v", name, k, v, pods[name])
			}
		}
	}
	for name, labels := range pods {
		if labels[LabelSimulation] != "tavern" {
			t.Errorf("pods of %s escape the default-deny policy: labels %v", name, labels)
		}
	}
}

func TestURLPort(t *testing.T) {
	cases := []struct {
		url     string
		port    int32
		wantErr string
	}{
		{url: "https://api.openai.com/v1", port: 443},
		{url: "http://ollama:11434/v1", port: 11434},
		{url: "http://vllm/v1", port: 80},
		{url: "http://host:0/v1", wantErr: `port "0"`},
		{url: "http://host:99999/v1", wantErr: `port "99999"`},
		{url: "ftp://host/v1", wantErr: `scheme "ftp"`},
		{url: "http://user:secret@[::1", wantErr: "not a valid URL"},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			port, err := urlPort(tc.url)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %s", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("err = %v repeats the URL's credentials", err)
				}
				return
			}
			if err != nil || port != tc.port {
				t.Fatalf("port = %d, %v; want %d", port, err, tc.port)
			}
		})
	}
}

// TestBadURLNamesTheField: the API validates the URLs with a pattern, but a
// value that slips through must fail the build with the field's path.
func TestBadURLNamesTheField(t *testing.T) {
	bot := sample()
	bot.Spec.DiscordBot.LLM.BaseURL = "http://llm:70000/v1"
	if _, err := Desired(bot, testOptions, nil); err == nil || !strings.Contains(err.Error(), "spec.discordBot.llm.baseURL") {
		t.Errorf("bad LLM URL: err = %v, want it to name spec.discordBot.llm.baseURL", err)
	}
	emb := withOpenAIEmbedding(sample())
	emb.Spec.MCPServer.Embedding.OpenAI.BaseURL = "http://emb:70000/v1"
	if _, err := Desired(emb, testOptions, nil); err == nil || !strings.Contains(err.Error(), "spec.mcpServer.embedding.openai.baseURL") {
		t.Errorf("bad embedding URL: err = %v, want it to name spec.mcpServer.embedding.openai.baseURL", err)
	}
}

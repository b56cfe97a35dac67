package resources

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// networkPolicies deny every flow of the simulation's pods, then allow only
// the ones the stack needs, one policy per component.
func networkPolicies(sim *v1alpha1.CharacterSimulation) ([]Object, error) {
	objs := []Object{defaultDenyPolicy(sim)}
	if sim.Spec.Postgres.External == nil {
		objs = append(objs, storePolicy(sim, ComponentPostgres, PostgresName(sim.Name), []int32{PostgresPort}))
	}
	if qdrantManaged(sim) {
		objs = append(objs, storePolicy(sim, ComponentQdrant, QdrantName(sim.Name), []int32{QdrantHTTPPort, QdrantGRPCPort}))
	}
	if sim.Spec.Redis.Mode == v1alpha1.RedisManaged {
		objs = append(objs, storePolicy(sim, ComponentRedis, RedisName(sim.Name), []int32{RedisPort}))
	}
	mcp, err := mcpServerPolicy(sim)
	if err != nil {
		return nil, err
	}
	objs = append(objs, mcp)
	if sim.Spec.DiscordBot != nil {
		bot, err := discordBotPolicy(sim)
		if err != nil {
			return nil, err
		}
		objs = append(objs, bot)
	}
	return objs, nil
}

func networkPolicy(sim *v1alpha1.CharacterSimulation, component, name string, spec *networkingv1ac.NetworkPolicySpecApplyConfiguration) *networkingv1ac.NetworkPolicyApplyConfiguration {
	return networkingv1ac.NetworkPolicy(name, sim.Namespace).
		WithLabels(Labels(sim, component)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(spec)
}

// defaultDenyPolicy selects every pod of the simulation and allows nothing;
// the per-component policies add the allowed flows on top.
func defaultDenyPolicy(sim *v1alpha1.CharacterSimulation) *networkingv1ac.NetworkPolicyApplyConfiguration {
	return networkPolicy(sim, ComponentNetwork, DefaultDenyName(sim.Name), networkingv1ac.NetworkPolicySpec().
		WithPodSelector(labelSelector(SimulationSelector(sim))).
		WithPolicyTypes(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress))
}

// storePolicy lets the clients of a managed store reach its ports: the MCP
// server always, and the bot for Redis.
func storePolicy(sim *v1alpha1.CharacterSimulation, component, name string, ports []int32) *networkingv1ac.NetworkPolicyApplyConfiguration {
	from := []*networkingv1ac.NetworkPolicyPeerApplyConfiguration{componentPeer(sim, ComponentMCPServer)}
	if component == ComponentRedis && sim.Spec.DiscordBot != nil {
		from = append(from, componentPeer(sim, ComponentDiscordBot))
	}
	return networkPolicy(sim, component, name, networkingv1ac.NetworkPolicySpec().
		WithPodSelector(labelSelector(SelectorLabels(sim, component))).
		WithPolicyTypes(networkingv1.PolicyTypeIngress).
		WithIngress(networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(from...).
			WithPorts(tcpPorts(ports...)...)))
}

// mcpServerPolicy admits the bot, labelled MCP clients and, when the console
// has an Ingress, the Ingress controller, and lets the
// server reach DNS, the managed stores and the embeddings endpoint.
func mcpServerPolicy(sim *v1alpha1.CharacterSimulation) (*networkingv1ac.NetworkPolicyApplyConfiguration, error) {
	from := []*networkingv1ac.NetworkPolicyPeerApplyConfiguration{
		networkingv1ac.NetworkPolicyPeer().WithPodSelector(labelSelector(map[string]string{LabelMCPClient: "true"})),
	}
	if sim.Spec.DiscordBot != nil {
		from = append(from, componentPeer(sim, ComponentDiscordBot))
	}
	if controller := ingressControllerPeer(sim); controller != nil {
		from = append(from, controller)
	}
	egress := []*networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration{dnsEgress()}
	if sim.Spec.Postgres.External == nil {
		egress = append(egress, egressToComponent(sim, ComponentPostgres, PostgresPort))
	}
	if qdrantManaged(sim) {
		egress = append(egress, egressToComponent(sim, ComponentQdrant, QdrantHTTPPort, QdrantGRPCPort))
	}
	if sim.Spec.Redis.Mode == v1alpha1.RedisManaged {
		egress = append(egress, egressToComponent(sim, ComponentRedis, RedisPort))
	}
	if hasExternalStore(sim) {
		egress = append(egress, egressAnywhere())
	}
	if openai := sim.Spec.MCPServer.Embedding.OpenAI; sim.Spec.MCPServer.Embedding.Provider == v1alpha1.EmbeddingOpenAI && openai != nil {
		port, err := urlPort(openai.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("spec.mcpServer.embedding.openai.baseURL: %w", err)
		}
		egress = append(egress, egressToAnyHost(port))
		if p := openai.PodPort; p != nil && *p != port {
			egress = append(egress, egressToAnyHost(*p))
		}
	}
	return networkPolicy(sim, ComponentMCPServer, MCPServerName(sim.Name), networkingv1ac.NetworkPolicySpec().
		WithPodSelector(labelSelector(SelectorLabels(sim, ComponentMCPServer))).
		WithPolicyTypes(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress).
		WithIngress(networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(from...).
			WithPorts(tcpPorts(MCPServerPort)...)).
		WithEgress(egress...)), nil
}

// discordBotPolicy lets the bot reach DNS, the MCP server, Redis, Discord
// (HTTPS and the gateway's WSS, both 443) and the LLM endpoint. It serves
// only kubelet probes and /metrics, so it admits ingress only from the
// scrapers spec.discordBot.metrics names, to the health port.
func discordBotPolicy(sim *v1alpha1.CharacterSimulation) (*networkingv1ac.NetworkPolicyApplyConfiguration, error) {
	llmPort, err := urlPort(sim.Spec.DiscordBot.LLM.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("spec.discordBot.llm.baseURL: %w", err)
	}
	egress := []*networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration{
		dnsEgress(),
		egressToComponent(sim, ComponentMCPServer, MCPServerPort),
	}
	switch sim.Spec.Redis.Mode {
	case v1alpha1.RedisManaged:
		egress = append(egress, egressToComponent(sim, ComponentRedis, RedisPort))
	case v1alpha1.RedisExternal:
		egress = append(egress, egressAnywhere())
	}
	egress = append(egress, egressToAnyHost(443))
	if llmPort != 443 {
		egress = append(egress, egressToAnyHost(llmPort))
	}
	if p := sim.Spec.DiscordBot.LLM.PodPort; p != nil && *p != llmPort && *p != 443 {
		egress = append(egress, egressToAnyHost(*p))
	}
	spec := networkingv1ac.NetworkPolicySpec().
		WithPodSelector(labelSelector(SelectorLabels(sim, ComponentDiscordBot))).
		WithPolicyTypes(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress).
		WithEgress(egress...)
	if m := sim.Spec.DiscordBot.Metrics; m != nil {
		scrapers := networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(selectorApplyConfiguration(m.NamespaceSelector))
		if m.PodSelector != nil {
			scrapers.WithPodSelector(selectorApplyConfiguration(*m.PodSelector))
		}
		spec.WithIngress(networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(scrapers).
			WithPorts(tcpPorts(DiscordBotHealthPort)...))
	}
	return networkPolicy(sim, ComponentDiscordBot, DiscordBotName(sim.Name), spec), nil
}

// selectorApplyConfiguration is a user's label selector as an apply
// configuration; an empty one selects everything, as in the API.
func selectorApplyConfiguration(sel metav1.LabelSelector) *metav1ac.LabelSelectorApplyConfiguration {
	ac := metav1ac.LabelSelector()
	if sel.MatchLabels != nil {
		ac.WithMatchLabels(sel.MatchLabels)
	}
	for _, r := range sel.MatchExpressions {
		ac.WithMatchExpressions(metav1ac.LabelSelectorRequirement().
			WithKey(r.Key).WithOperator(r.Operator).WithValues(r.Values...))
	}
	return ac
}

// hasExternalStore reports whether the MCP server connects to a store whose
// address is only known from a user Secret the operator does not read.
func hasExternalStore(sim *v1alpha1.CharacterSimulation) bool {
	return sim.Spec.Postgres.External != nil || sim.Spec.Qdrant.ModeOrInferred() == v1alpha1.QdrantExternal ||
		sim.Spec.Redis.Mode == v1alpha1.RedisExternal
}

func componentPeer(sim *v1alpha1.CharacterSimulation, component string) *networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	return networkingv1ac.NetworkPolicyPeer().WithPodSelector(labelSelector(SelectorLabels(sim, component)))
}

func egressToComponent(sim *v1alpha1.CharacterSimulation, component string, ports ...int32) *networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration {
	return networkingv1ac.NetworkPolicyEgressRule().
		WithTo(componentPeer(sim, component)).
		WithPorts(tcpPorts(ports...)...)
}

// egressToAnyHost allows one TCP port to any destination, inside the
// cluster or out.
func egressToAnyHost(port int32) *networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration {
	return networkingv1ac.NetworkPolicyEgressRule().WithPorts(tcpPorts(port)...)
}

// egressAnywhere allows every destination and port: an external store's
// address and port live in a user Secret the operator does not read.
func egressAnywhere() *networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration {
	return networkingv1ac.NetworkPolicyEgressRule()
}

// dnsEgress allows name resolution wherever the cluster DNS runs.
func dnsEgress() *networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration {
	return networkingv1ac.NetworkPolicyEgressRule().WithPorts(
		networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolUDP).WithPort(intstr.FromInt32(53)),
		networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(53)))
}

func tcpPorts(ports ...int32) []*networkingv1ac.NetworkPolicyPortApplyConfiguration {
	out := make([]*networkingv1ac.NetworkPolicyPortApplyConfiguration, 0, len(ports))
	for _, p := range ports {
		out = append(out, networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(p)))
	}
	return out
}

// urlPort is the TCP port an http(s) URL connects to.
func urlPort(raw string) (int32, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// Report the cause only: a URL may carry credentials, and this
		// message can end up in events and logs.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return 0, fmt.Errorf("not a valid URL: %w", err)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return 0, fmt.Errorf("port %q is not between 1 and 65535", p)
		}
		return int32(n), nil
	}
	switch u.Scheme {
	case "https":
		return 443, nil
	case "http":
		return 80, nil
	}
	return 0, fmt.Errorf("scheme %q is not http or https", u.Scheme)
}

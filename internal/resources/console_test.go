package resources

import (
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

func withConsole(console *v1alpha1.ConsoleSpec) func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
	return func(sim *v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation {
		sim.Spec.MCPServer.Console = console
		return sim
	}
}

func TestConsole(t *testing.T) {
	ingress := &v1alpha1.ConsoleIngressSpec{Host: "console.example.org"}
	cases := []struct {
		name      string
		console   *v1alpha1.ConsoleSpec
		enabled   string // CONSOLE_ENABLED
		endpoint  string
		ingress   bool
		tls       bool
		className string
		mcpFrom   []string
	}{
		{
			name: "default: served, reached by port-forward", console: nil, enabled: "true",
			endpoint: "http://tavern-mcp-server.stories.svc:8000/console/",
			mcpFrom:  sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000"),
		},
		{
			name: "disabled", console: &v1alpha1.ConsoleSpec{Enabled: ptr.To(false)}, enabled: "false",
			endpoint: "", mcpFrom: sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000"),
		},
		{
			name: "ingress without TLS admits the default controller namespace", console: &v1alpha1.ConsoleSpec{Ingress: ingress},
			enabled: "true", endpoint: "http://console.example.org/console/", ingress: true,
			mcpFrom: sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000", "ns:ingress-nginx:TCP/8000"),
		},
		{
			name: "ingress with class, TLS and the controller's own selectors",
			console: &v1alpha1.ConsoleSpec{Enabled: ptr.To(true), Ingress: &v1alpha1.ConsoleIngressSpec{
				ClassName: "traefik", Host: "console.example.org", TLSSecretName: "console-tls",
				ControllerNamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "traefik"}},
				ControllerPodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "traefik"}},
			}},
			enabled: "true", endpoint: "https://console.example.org/console/", ingress: true, tls: true, className: "traefik",
			mcpFrom: sorted("mcp-client:TCP/8000", "discord-bot:TCP/8000", "ns:traefik/traefik:TCP/8000"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := withConsole(tc.console)(sample())
			objs := build(t, sim)
			env := envOf(deployment(t, objs, "tavern-mcp-server").Spec.Template.Spec.Containers[0])
			wantValue(t, env, "CONSOLE_ENABLED", tc.enabled)
			if got := ConsoleEndpoint(sim); got != tc.endpoint {
				t.Errorf("ConsoleEndpoint = %q, want %q", got, tc.endpoint)
			}
			if got := ingressFlows(networkPolicyNamed(t, objs, "tavern-mcp-server")); !slices.Equal(got, tc.mcpFrom) {
				t.Errorf("MCP server ingress = %v, want %v", got, tc.mcpFrom)
			}
			o := find(objs, "Ingress", "tavern-console")
			if (o != nil) != tc.ingress {
				t.Fatalf("Ingress present = %v, want %v", o != nil, tc.ingress)
			}
			if o == nil {
				return
			}
			ing := decode[networkingv1.Ingress](t, o)
			if len(ing.OwnerReferences) != 1 || ing.OwnerReferences[0].Name != "tavern" {
				t.Errorf("owner references = %+v, want the simulation", ing.OwnerReferences)
			}
			if got := ptr.Deref(ing.Spec.IngressClassName, ""); got != tc.className {
				t.Errorf("ingressClassName = %q, want %q", got, tc.className)
			}
			if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "console.example.org" {
				t.Fatalf("rules = %+v, want one for console.example.org", ing.Spec.Rules)
			}
			paths := ing.Spec.Rules[0].HTTP.Paths
			if len(paths) != 1 || paths[0].Path != "/console/" || *paths[0].PathType != networkingv1.PathTypePrefix ||
				paths[0].Backend.Service.Name != "tavern-mcp-server" || paths[0].Backend.Service.Port.Name != "http" {
				t.Errorf("paths = %+v, want only /console/ (Prefix) to the MCP Service's http port", paths)
			}
			if tc.tls != (len(ing.Spec.TLS) == 1) {
				t.Fatalf("TLS = %+v, want TLS %v", ing.Spec.TLS, tc.tls)
			}
			if tc.tls && (ing.Spec.TLS[0].SecretName != "console-tls" || !slices.Equal(ing.Spec.TLS[0].Hosts, []string{"console.example.org"})) {
				t.Errorf("TLS = %+v, want console-tls for the host", ing.Spec.TLS)
			}
		})
	}
}

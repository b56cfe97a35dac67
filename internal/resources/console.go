package resources

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// defaultIngressControllerNamespace is the namespace the NetworkPolicy
// admits when spec.mcpServer.console.ingress names none: where the
// ingress-nginx chart installs by default.
const defaultIngressControllerNamespace = "ingress-nginx"

// consoleObjects is the console's Ingress, when the console is enabled and
// spec.mcpServer.console.ingress asks for one. Only /console/ is routed:
// the MCP endpoint stays inside the cluster.
func consoleObjects(sim *v1alpha1.CharacterSimulation) []Object {
	ing := sim.Spec.MCPServer.Console.IngressOrNil()
	if !sim.Spec.MCPServer.ConsoleEnabled() || ing == nil {
		return nil
	}
	spec := networkingv1ac.IngressSpec().
		WithRules(networkingv1ac.IngressRule().
			WithHost(ing.Host).
			WithHTTP(networkingv1ac.HTTPIngressRuleValue().
				WithPaths(networkingv1ac.HTTPIngressPath().
					WithPath(ConsolePath).
					WithPathType(networkingv1.PathTypePrefix).
					WithBackend(networkingv1ac.IngressBackend().
						WithService(networkingv1ac.IngressServiceBackend().
							WithName(MCPServerName(sim.Name)).
							WithPort(networkingv1ac.ServiceBackendPort().WithName(mcpPortName)))))))
	if ing.ClassName != "" {
		spec.WithIngressClassName(ing.ClassName)
	}
	if ing.TLSSecretName != "" {
		spec.WithTLS(networkingv1ac.IngressTLS().WithHosts(ing.Host).WithSecretName(ing.TLSSecretName))
	}
	return []Object{networkingv1ac.Ingress(ConsoleIngressName(sim.Name), sim.Namespace).
		WithLabels(Labels(sim, ComponentMCPServer)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(spec)}
}

// ingressControllerPeer is the Ingress controller's pods, which the MCP
// server's NetworkPolicy admits when the console has an Ingress; nil
// otherwise.
func ingressControllerPeer(sim *v1alpha1.CharacterSimulation) *networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	ing := sim.Spec.MCPServer.Console.IngressOrNil()
	if !sim.Spec.MCPServer.ConsoleEnabled() || ing == nil {
		return nil
	}
	namespaces := metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: defaultIngressControllerNamespace}}
	if ing.ControllerNamespaceSelector != nil {
		namespaces = *ing.ControllerNamespaceSelector
	}
	peer := networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(selectorApplyConfiguration(namespaces))
	if ing.ControllerPodSelector != nil {
		peer.WithPodSelector(selectorApplyConfiguration(*ing.ControllerPodSelector))
	}
	return peer
}

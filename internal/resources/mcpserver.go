package resources

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// MCP server settings.
const (
	MCPServerPort int32 = 8000

	mcpPortName = "http"
)

// mcpServerObjects are the MCP server's ServiceAccount, Deployment, Service,
// with more than one replica a PodDisruptionBudget, and the console's
// Ingress when it has one.
func mcpServerObjects(sim *v1alpha1.CharacterSimulation, opts Options, secrets SecretVersions) ([]Object, error) {
	deployment, err := mcpServerDeployment(sim, opts, secrets)
	if err != nil {
		return nil, fmt.Errorf("mcp-server deployment: %w", err)
	}
	objs := []Object{
		serviceAccount(sim, ComponentMCPServer, MCPServerName(sim.Name)),
		deployment,
		mcpServerService(sim),
	}
	if replicas(sim, mcpServerReplicas(sim)) > 1 {
		objs = append(objs, mcpServerPDB(sim))
	}
	return append(objs, consoleObjects(sim)...), nil
}

func mcpServerReplicas(sim *v1alpha1.CharacterSimulation) int32 {
	if r := sim.Spec.MCPServer.Replicas; r != nil {
		return *r
	}
	return 1
}

func mcpServerDeployment(sim *v1alpha1.CharacterSimulation, opts Options, secrets SecretVersions) (*appsv1ac.DeploymentApplyConfiguration, error) {
	spec := sim.Spec.MCPServer
	return appDeployment(sim, appParams{
		component:  ComponentMCPServer,
		name:       MCPServerName(sim.Name),
		field:      "spec.mcpServer",
		image:      imageOr(spec.Image, opts.MCPServerImage),
		port:       MCPServerPort,
		portName:   mcpPortName,
		readyPath:  "/readyz",
		env:        mcpServerEnv(sim),
		resources:  spec.Resources,
		scheduling: spec.PodScheduling,
		replicas:   mcpServerReplicas(sim),
	}, secrets)
}

// mcpServerEnv connects the MCP server to the stores. Every credential comes
// from a Secret key reference, never from a literal value.
func mcpServerEnv(sim *v1alpha1.CharacterSimulation) []*corev1ac.EnvVarApplyConfiguration {
	spec := sim.Spec
	env := []*corev1ac.EnvVarApplyConfiguration{envValue(EnvMCPListenAddr, fmt.Sprintf(":%d", MCPServerPort))}

	if ext := spec.Postgres.External; ext != nil {
		env = append(env, envSecretRef(EnvDatabaseURL, ext.URLSecretRef))
	} else {
		env = append(env, envSecret(EnvDatabaseURL, PostgresCredentialsName(sim.Name), KeyURL))
	}

	env = append(env, qdrantEnv(sim)...)

	if redis := redisURLEnv(sim); redis != nil {
		env = append(env, redis)
	}
	env = append(env, mcpAuthTokenEnv(sim))
	env = append(env, envValue(EnvConsoleEnabled, strconv.FormatBool(spec.MCPServer.ConsoleEnabled())))
	env = append(env, envValue(EnvCardMaxFileSize, spec.Cards.CardMaxFileSize()))
	// The Go runtime then collects harder near the container's memory limit
	// instead of being OOM-killed. The vector index lives outside the Go
	// heap, and the server lowers this limit by what it holds there
	// (internal/memory/chunk.go), so the two together stay within it.
	env = append(env, corev1ac.EnvVar().WithName(EnvGoMemLimit).WithValueFrom(
		corev1ac.EnvVarSource().WithResourceFieldRef(corev1ac.ResourceFieldSelector().WithResource("limits.memory"))))

	embedding := spec.MCPServer.Embedding
	env = append(env, envValue(EnvEmbeddingProvider, string(embedding.Provider)))
	if openai := embedding.OpenAI; embedding.Provider == v1alpha1.EmbeddingOpenAI && openai != nil {
		env = append(env,
			envValue(EnvEmbeddingBaseURL, openai.BaseURL),
			envValue(EnvEmbeddingModel, openai.Model),
			envValue(EnvEmbeddingDimensions, strconv.Itoa(int(openai.Dimensions))))
		if openai.APIKeySecretRef != nil {
			env = append(env, envSecretRef(EnvEmbeddingAPIKey, *openai.APIKeySecretRef))
		}
	}
	if recall := spec.MCPServer.Recall; recall != nil {
		for _, v := range []struct{ name, value string }{
			{EnvRecallFusion, recall.Fusion},
			{EnvRecallLexicalWeight, recall.LexicalWeight},
			{EnvRecallVectorWeight, recall.VectorWeight},
			{EnvRecallDateWeight, recall.DateWeight},
		} {
			if v.value != "" {
				env = append(env, envValue(v.name, v.value))
			}
		}
	}
	return env
}

// qdrantEnv is QDRANT_URL and QDRANT_API_KEY for the managed or external
// Qdrant, and for an external one QDRANT_COLLECTION, a collection of the
// simulation's own. With Qdrant disabled it is nothing: an empty QDRANT_URL is what
// makes the server keep the vectors in its SQL store (PostgreSQL).
func qdrantEnv(sim *v1alpha1.CharacterSimulation) []*corev1ac.EnvVarApplyConfiguration {
	spec := sim.Spec.Qdrant
	switch spec.ModeOrInferred() {
	case v1alpha1.QdrantManaged:
		return []*corev1ac.EnvVarApplyConfiguration{
			envValue(EnvQdrantURL, QdrantURL(sim.Name)),
			envSecret(EnvQdrantAPIKey, QdrantCredentialsName(sim.Name), KeyAPIKey),
		}
	case v1alpha1.QdrantExternal:
		if ext := spec.External; ext != nil {
			env := []*corev1ac.EnvVarApplyConfiguration{envSecretRef(EnvQdrantURL, ext.URLSecretRef)}
			if ext.APIKeySecretRef != nil {
				env = append(env, envSecretRef(EnvQdrantAPIKey, *ext.APIKeySecretRef))
			}
			return append(env, envValue(EnvQdrantCollection, QdrantExternalCollection(sim)))
		}
	}
	return nil
}

// mcpAuthTokenEnv is MCP_AUTH_TOKEN from the user's Secret or the generated one.
func mcpAuthTokenEnv(sim *v1alpha1.CharacterSimulation) *corev1ac.EnvVarApplyConfiguration {
	if ref := sim.Spec.MCPServer.AuthTokenSecretRef; ref != nil {
		return envSecretRef(EnvMCPAuthToken, *ref)
	}
	return envSecret(EnvMCPAuthToken, MCPAuthName(sim.Name), KeyToken)
}

func mcpServerService(sim *v1alpha1.CharacterSimulation) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(MCPServerName(sim.Name), sim.Namespace).
		WithLabels(Labels(sim, ComponentMCPServer)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(corev1ac.ServiceSpec().
			WithSelector(SelectorLabels(sim, ComponentMCPServer)).
			WithPorts(servicePort(mcpPortName, MCPServerPort)))
}

// mcpServerPDB keeps all but one replica up during voluntary disruptions.
func mcpServerPDB(sim *v1alpha1.CharacterSimulation) *policyv1ac.PodDisruptionBudgetApplyConfiguration {
	return policyv1ac.PodDisruptionBudget(MCPServerName(sim.Name), sim.Namespace).
		WithLabels(Labels(sim, ComponentMCPServer)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(policyv1ac.PodDisruptionBudgetSpec().
			WithMaxUnavailable(intstr.FromInt32(1)).
			WithSelector(labelSelector(SelectorLabels(sim, ComponentMCPServer))))
}

// serviceAccount gives a component its own identity without API access.
func serviceAccount(sim *v1alpha1.CharacterSimulation, component, name string) *corev1ac.ServiceAccountApplyConfiguration {
	return corev1ac.ServiceAccount(name, sim.Namespace).
		WithLabels(Labels(sim, component)).
		WithOwnerReferences(ownerReference(sim)).
		WithAutomountServiceAccountToken(false)
}

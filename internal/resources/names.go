package resources

import (
	"fmt"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Child object names, derived from the simulation's name. The API limits that
// name to 40 characters so every derived name stays a valid DNS label.

// PostgresName names the PostgreSQL StatefulSet and its client Service.
func PostgresName(sim string) string { return sim + "-postgres" }

// PostgresHeadlessName names the PostgreSQL StatefulSet's governing Service.
func PostgresHeadlessName(sim string) string { return sim + "-postgres-headless" }

// PostgresCredentialsName names the generated PostgreSQL credentials Secret.
func PostgresCredentialsName(sim string) string { return sim + "-postgres-credentials" }

// QdrantName names the Qdrant StatefulSet and its client Service.
func QdrantName(sim string) string { return sim + "-qdrant" }

// QdrantHeadlessName names the Qdrant StatefulSet's governing Service.
func QdrantHeadlessName(sim string) string { return sim + "-qdrant-headless" }

// QdrantCredentialsName names the generated Qdrant API key Secret.
func QdrantCredentialsName(sim string) string { return sim + "-qdrant-credentials" }

// RedisName names the Redis StatefulSet and its client Service.
func RedisName(sim string) string { return sim + "-redis" }

// RedisHeadlessName names the Redis StatefulSet's governing Service.
func RedisHeadlessName(sim string) string { return sim + "-redis-headless" }

// RedisCredentialsName names the generated Redis password Secret.
func RedisCredentialsName(sim string) string { return sim + "-redis-credentials" }

// MCPServerName names the MCP server Deployment, Service, ServiceAccount,
// PodDisruptionBudget and NetworkPolicy.
func MCPServerName(sim string) string { return sim + "-mcp-server" }

// MCPAuthName names the generated MCP bearer token Secret.
func MCPAuthName(sim string) string { return sim + "-mcp-auth" }

// DiscordBotName names the bot Deployment, ServiceAccount and NetworkPolicy.
func DiscordBotName(sim string) string { return sim + "-discord-bot" }

// DefaultDenyName names the NetworkPolicy that denies all traffic of the
// simulation's pods except what the per-component policies allow.
func DefaultDenyName(sim string) string { return sim + "-default-deny" }

// MCPEndpoint is the in-cluster URL of the MCP server's streamable HTTP transport.
func MCPEndpoint(sim, namespace string) string {
	return fmt.Sprintf("http://%s.%s.svc:%d/mcp", MCPServerName(sim), namespace, MCPServerPort)
}

// ConsoleIngressName names the Ingress that publishes the web console.
func ConsoleIngressName(sim string) string { return sim + "-console" }

// ConsolePath is where the MCP server serves the web console.
const ConsolePath = "/console/"

// ConsoleEndpoint is where the simulation's console answers: its Ingress
// URL when it has one, else the in-cluster URL; "" when it is disabled.
func ConsoleEndpoint(sim *v1alpha1.CharacterSimulation) string {
	spec := sim.Spec.MCPServer
	if !spec.ConsoleEnabled() {
		return ""
	}
	if ing := spec.Console.IngressOrNil(); ing != nil {
		scheme := "http"
		if ing.TLSSecretName != "" {
			scheme = "https"
		}
		return scheme + "://" + ing.Host + ConsolePath
	}
	return fmt.Sprintf("http://%s.%s.svc:%d%s", MCPServerName(sim.Name), sim.Namespace, MCPServerPort, ConsolePath)
}

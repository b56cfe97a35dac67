package resources

import (
	"maps"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Label keys and values every child carries.
const (
	LabelName       = "app.kubernetes.io/name"
	LabelInstance   = "app.kubernetes.io/instance"
	LabelComponent  = "app.kubernetes.io/component"
	LabelPartOf     = "app.kubernetes.io/part-of"
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	LabelSimulation = "charsim.mojin.dev/simulation"

	// LabelMCPClient marks pods (in the simulation's namespace) that may call
	// the MCP server; its NetworkPolicy admits them.
	LabelMCPClient = "charsim.mojin.dev/mcp-client"

	PartOf    = "charsim"
	ManagedBy = "charsim-operator"
)

// Components of a simulation.
const (
	ComponentPostgres   = "postgres"
	ComponentQdrant     = "qdrant"
	ComponentRedis      = "redis"
	ComponentMCPServer  = "mcp-server"
	ComponentDiscordBot = "discord-bot"
	// ComponentNetwork labels the simulation-wide default-deny NetworkPolicy.
	ComponentNetwork = "network"
)

// Labels returns the labels of every object of one component.
func Labels(sim *v1alpha1.CharacterSimulation, component string) map[string]string {
	labels := SelectorLabels(sim, component)
	maps.Copy(labels, map[string]string{
		LabelName:       component,
		LabelPartOf:     PartOf,
		LabelManagedBy:  ManagedBy,
		LabelSimulation: sim.Name,
	})
	return labels
}

// SelectorLabels selects the pods of one component. StatefulSet and
// Deployment selectors are immutable, so this set never grows.
func SelectorLabels(sim *v1alpha1.CharacterSimulation, component string) map[string]string {
	return map[string]string{
		LabelInstance:  sim.Name,
		LabelComponent: component,
	}
}

// SimulationSelector selects every object (and pod) of a simulation.
func SimulationSelector(sim *v1alpha1.CharacterSimulation) map[string]string {
	return map[string]string{LabelSimulation: sim.Name}
}

package resources

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Discord bot settings.
const (
	DiscordBotHealthPort int32 = 8080

	botHealthPortName = "health"
)

// MCPServerURL is the MCP endpoint the bot uses inside the namespace.
func MCPServerURL(sim string) string {
	return fmt.Sprintf("http://%s:%d/mcp", MCPServerName(sim), MCPServerPort)
}

// discordBotObjects are the bot's ServiceAccount and Deployment, when a bot is configured.
func discordBotObjects(sim *v1alpha1.CharacterSimulation, opts Options, secrets SecretVersions) ([]Object, error) {
	if sim.Spec.DiscordBot == nil {
		return nil, nil
	}
	deployment, err := discordBotDeployment(sim, opts, secrets)
	if err != nil {
		return nil, fmt.Errorf("discord-bot deployment: %w", err)
	}
	return []Object{serviceAccount(sim, ComponentDiscordBot, DiscordBotName(sim.Name)), deployment}, nil
}

func discordBotDeployment(sim *v1alpha1.CharacterSimulation, opts Options, secrets SecretVersions) (*appsv1ac.DeploymentApplyConfiguration, error) {
	spec := sim.Spec.DiscordBot
	return appDeployment(sim, appParams{
		component:  ComponentDiscordBot,
		name:       DiscordBotName(sim.Name),
		field:      "spec.discordBot",
		image:      imageOr(spec.Image, opts.DiscordBotImage),
		port:       DiscordBotHealthPort,
		portName:   botHealthPortName,
		readyPath:  "/healthz",
		env:        discordBotEnv(sim),
		resources:  spec.Resources,
		scheduling: spec.PodScheduling,
		replicas:   1,
		// Discord lets a token open several gateway sessions, and each one
		// unsharded receives every event: two bots would answer every
		// message twice and race for every interaction. Never run two, not
		// even during a rollout.
		strategy: appsv1ac.DeploymentStrategy().WithType(appsv1.RecreateDeploymentStrategyType),
	}, secrets)
}

func discordBotEnv(sim *v1alpha1.CharacterSimulation) []*corev1ac.EnvVarApplyConfiguration {
	spec := sim.Spec.DiscordBot
	env := []*corev1ac.EnvVarApplyConfiguration{envSecretRef(EnvDiscordToken, spec.TokenSecretRef)}
	if len(spec.GuildIDs) > 0 {
		env = append(env, envValue(EnvDiscordGuildIDs, strings.Join(spec.GuildIDs, ",")))
	}
	env = append(env,
		envValue(EnvMCPServerURL, MCPServerURL(sim.Name)),
		mcpAuthTokenEnv(sim),
		envValue(EnvLLMBaseURL, spec.LLM.BaseURL),
		envValue(EnvLLMModel, spec.LLM.Model))
	if spec.LLM.APIKeySecretRef != nil {
		env = append(env, envSecretRef(EnvLLMAPIKey, *spec.LLM.APIKeySecretRef))
	}
	if redis := redisURLEnv(sim); redis != nil {
		env = append(env, redis)
	}
	if spec.AvatarBaseURL != "" {
		env = append(env, envValue(EnvAvatarBaseURL, spec.AvatarBaseURL))
	}
	// The bot checks an attachment's size before downloading it, against
	// the limit the MCP server then applies.
	env = append(env, envValue(EnvCardMaxFileSize, sim.Spec.Cards.CardMaxFileSize()))
	return env
}

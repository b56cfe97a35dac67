package resources

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

func TestDiscordBot(t *testing.T) {
	t.Run("configured", func(t *testing.T) {
		sim := sample()
		sim.Spec.DiscordBot.AvatarBaseURL = "https://charsim.example.org"
		sim.Spec.Cards.MaxFileSizeMiB = 50
		objs := build(t, sim)
		d := deployment(t, objs, "tavern-discord-bot")
		if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			t.Errorf("replicas %d strategy %s, want 1 and Recreate (two sessions would both answer every message)", *d.Spec.Replicas, d.Spec.Strategy.Type)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if c.Image != testOptions.DiscordBotImage {
			t.Errorf("image = %s, want the operator default %s", c.Image, testOptions.DiscordBotImage)
		}
		env := envOf(c)
		for _, e := range c.Env {
			if !slices.Contains(DiscordBotEnv, e.Name) {
				t.Errorf("env %s is not listed in DiscordBotEnv", e.Name)
			}
		}
		wantSecretRef(t, env, "DISCORD_TOKEN", "discord", "token")
		wantValue(t, env, "DISCORD_GUILD_IDS", "111,222")
		wantValue(t, env, "MCP_SERVER_URL", "http://tavern-mcp-server:8000/mcp")
		wantSecretRef(t, env, "MCP_AUTH_TOKEN", "tavern-mcp-auth", "token")
		wantValue(t, env, "LLM_BASE_URL", "http://ollama.ai.svc:11434/v1")
		wantValue(t, env, "LLM_MODEL", "llama3.1")
		wantSecretRef(t, env, "LLM_API_KEY", "llm", "api-key")
		wantSecretRef(t, env, "REDIS_URL", "tavern-redis-credentials", "url")
		wantValue(t, env, "AVATAR_BASE_URL", "https://charsim.example.org")
		// The bot refuses an attachment over the limit the MCP server applies.
		wantValue(t, env, "CARD_MAX_FILE_SIZE", "50MiB")
		wantValue(t, envOf(deployment(t, objs, "tavern-mcp-server").Spec.Template.Spec.Containers[0]), "CARD_MAX_FILE_SIZE", "50MiB")
		for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
			if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "health" {
				t.Errorf("probe = %+v, want GET /healthz on health (8080)", p)
			}
		}
		if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 {
			t.Errorf("ports = %+v, want health 8080", c.Ports)
		}
		if find(objs, "ServiceAccount", "tavern-discord-bot") == nil {
			t.Error("no ServiceAccount tavern-discord-bot")
		}
	})
	t.Run("minimal: no guilds, no API key, redis disabled, own image", func(t *testing.T) {
		sim := withRedisDisabled(sample())
		sim.Spec.DiscordBot.GuildIDs = nil
		sim.Spec.DiscordBot.LLM.APIKeySecretRef = nil
		sim.Spec.DiscordBot.Image = "example.org/bot:pinned"
		c := deployment(t, build(t, sim), "tavern-discord-bot").Spec.Template.Spec.Containers[0]
		env := envOf(c)
		for _, n := range []string{"DISCORD_GUILD_IDS", "LLM_API_KEY", "REDIS_URL", "AVATAR_BASE_URL"} {
			wantAbsent(t, env, n)
		}
		if c.Image != "example.org/bot:pinned" {
			t.Errorf("image = %s", c.Image)
		}
	})
	t.Run("suspended", func(t *testing.T) {
		if d := deployment(t, build(t, withSuspend(sample())), "tavern-discord-bot"); *d.Spec.Replicas != 0 {
			t.Errorf("replicas = %d, want 0", *d.Spec.Replicas)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		for _, o := range build(t, withoutDiscordBot(sample())) {
			if *o.GetName() == "tavern-discord-bot" {
				t.Errorf("no bot configured but %s %s is desired", *o.GetKind(), *o.GetName())
			}
		}
	})
	t.Run("user token is shared with the MCP server", func(t *testing.T) {
		sim := sample()
		sim.Spec.MCPServer.AuthTokenSecretRef = &v1alpha1.SecretKeyRef{Name: "my-token", Key: "bearer"}
		c := deployment(t, build(t, sim), "tavern-discord-bot").Spec.Template.Spec.Containers[0]
		wantSecretRef(t, envOf(c), "MCP_AUTH_TOKEN", "my-token", "bearer")
	})
}

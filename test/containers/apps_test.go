//go:build containers

package containers

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/transport"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/podrun"
	"github.com/mojin/charsim/internal/resources"
)

// What the translation of the charsim pods may leave out: nothing that
// changes how the program runs.
var appUnsupported = []string{
	"spec.serviceAccountName", // no API server; automountServiceAccountToken is false anyway
	"spec.containers[0].resources.requests",
}

// TestAppPods runs the MCP server's and the bot's pod templates as rendered
// for the Qdrant-less simulation, on the host network (the test PostgreSQL,
// Redis and Discord emulator listen on its loopback), with their Secrets'
// env. The database and Redis URLs of the generated Secrets name in-cluster
// Services; they are replaced by the test servers' URLs, and the bot's
// MCP_SERVER_URL host resolves to the host, where the MCP container listens.
func TestAppPods(t *testing.T) {
	mcpImage, botImage := required(t, envMCPImage), required(t, envBotImage)
	pgURL, redisURL := required(t, envPostgresURL), required(t, envRedisURL)

	discord := discordfake.New("container-tier-bot-token")
	t.Cleanup(discord.Close)
	guild := discord.NewGuild()
	sim := simulation("unused-postgres-image", "unused-redis-image", guild)
	objs := render(t, sim, resources.Options{MCPServerImage: mcpImage, DiscordBotImage: botImage})
	secrets := objs.secrets
	secrets[resources.PostgresCredentialsName(simName)].Data[resources.KeyURL] = []byte(pgURL)
	secrets[resources.RedisCredentialsName(simName)].Data[resources.KeyURL] = []byte(redisURL)
	secrets[discordSecret] = userSecret(discordSecret, map[string]string{"token": discord.Token})
	token := string(secrets[resources.MCPAuthName(simName)].Data[resources.KeyToken])

	mcpPod := objs.deployments[resources.MCPServerName(simName)].Spec.Template.Spec
	portFree(t, resources.MCPServerPort)
	mcpServer := runPod(t, podrun.Pod{
		Name: "charsim-ct-mcp-server", Spec: mcpPod, Secrets: secrets, Network: "host",
	}, appUnsupported...)
	mcpServer.probes(t, true)

	t.Run("MCP session through the container", func(t *testing.T) {
		session := mcpSession(t, fmt.Sprintf("http://127.0.0.1:%d/mcp", resources.MCPServerPort), token)
		// The test PostgreSQL outlives the run: a name of this run's own.
		name := "Wren " + randomToken(t)[:8]
		callTool(t, session, "create_character", map[string]any{"name": name, "personality": "patient, dry"})
		callTool(t, session, "remember", map[string]any{"character": name, "text": "The well behind the cottage ran dry in May."})
		recalled := callTool(t, session, "recall", map[string]any{"character": name, "query": "what happened to the well"})
		if !strings.Contains(recalled, "ran dry in May") {
			t.Errorf("recall does not return the memory: %s", recalled)
		}
		// Without a token the container refuses MCP.
		resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/mcp", resources.MCPServerPort), "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("MCP without the bearer token: %s, want 401", resp.Status)
		}
	})

	t.Run("the bot's healthz follows its gateway", func(t *testing.T) {
		proxy := startDiscordProxy(t, discord.URL())
		botPod := *objs.deployments[resources.DiscordBotName(simName)].Spec.Template.Spec.DeepCopy()
		withTestDiscord(&botPod, proxy)
		secrets["charsim-ct-test-ca"] = userSecret("charsim-ct-test-ca", map[string]string{"ca.pem": string(proxy.CAPEM)})
		portFree(t, resources.DiscordBotHealthPort)
		bot := runPod(t, podrun.Pod{
			Name: "charsim-ct-discord-bot", Spec: botPod, Secrets: secrets, Network: "host",
			// Not 127.0.0.1: the MCP SDK refuses (403) a loopback
			// connection that names another host, against DNS rebinding;
			// in a cluster the bot connects to the pod's own address.
			Hosts: map[string]string{resources.MCPServerName(simName): hostAddress(t)},
		}, appUnsupported...)
		bot.probes(t, true)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if err := discord.WaitConnected(ctx); err != nil {
			t.Fatalf("the bot container did not connect to the emulator: %v", err)
		}
		waitGateway(t, true)

		// A slash command goes through the bot to the MCP server container.
		at := discordfake.Where{GuildID: guild, ChannelID: discord.NewID(), User: &discordgo.User{ID: discord.NewID(), Username: "sam"}}
		moss := "Moss " + randomToken(t)[:8]
		id, err := discord.Interact(discordfake.SlashCommand(at, "character create", map[string]any{"name": moss, "personality": "wry"}))
		if err != nil {
			t.Fatal(err)
		}
		state, err := discord.WaitInteraction(ctx, id, discordfake.Answered)
		if err != nil {
			t.Fatalf("no answer to /character create: %v", err)
		}
		if text := state.Text(); !strings.Contains(text, moss) || strings.HasPrefix(text, "⚠️") {
			t.Errorf("/character create answered %q", text)
		}

		discord.RefuseGateway(true)
		discord.DropGateway()
		waitGateway(t, false)
		discord.RefuseGateway(false)
		waitGateway(t, true)
		bot.checkLogs(t)
	})
	mcpServer.checkLogs(t)
}

// withTestDiscord adds what the bot needs to reach the emulator through the
// proxy: HTTPS_PROXY, and the test CA as a Secret volume named by
// SSL_CERT_FILE. Nothing else of the rendered pod changes.
func withTestDiscord(pod *corev1.PodSpec, proxy *discordProxy) {
	c := &pod.Containers[0]
	c.Env = append(c.Env,
		corev1.EnvVar{Name: "HTTPS_PROXY", Value: "http://" + proxy.Addr},
		corev1.EnvVar{Name: "SSL_CERT_FILE", Value: "/etc/charsim-test-ca/ca.pem"})
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "test-ca", MountPath: "/etc/charsim-test-ca", ReadOnly: true})
	pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "test-ca", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: "charsim-ct-test-ca"}}})
}

// hostAddress is an address of this host other than loopback.
func hostAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
			return ip.IP.String()
		}
	}
	t.Fatal("this host has no IPv4 address besides loopback")
	return ""
}

// waitGateway waits until the bot's /healthz reports the gateway connected
// (or not).
func waitGateway(t *testing.T, connected bool) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", resources.DiscordBotHealthPort)
	var last string
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		resp, err := http.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		var body struct {
			Gateway struct {
				Connected bool `json:"connected"`
			} `json:"gateway"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		last = fmt.Sprintf("%s %+v %v", resp.Status, body, err)
		if err == nil && body.Gateway.Connected == connected {
			return
		}
	}
	t.Fatalf("the bot's /healthz never said gateway connected=%v; last: %s", connected, last)
}

// mcpSession is an MCP client session with a bearer token, closed with the test.
func mcpSession(t *testing.T, endpoint, token string) *mcp.ClientSession {
	t.Helper()
	httpClient := &http.Client{Transport: transport.NewBearerAuthRoundTripper(token, http.DefaultTransport), Timeout: 30 * time.Second}
	client := mcp.NewClient(&mcp.Implementation{Name: "charsim-container-tier", Version: "test"}, nil)
	session, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{
		Endpoint: endpoint, HTTPClient: httpClient, DisableStandaloneSSE: true, MaxRetries: -1,
	}, nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", endpoint, err)
	}
	t.Cleanup(func() { _ = session.Close() })
	return session
}

// callTool calls a tool that must succeed and returns its text.
func callTool(t *testing.T, session *mcp.ClientSession, tool string, args map[string]any) string {
	t.Helper()
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	if res.IsError {
		t.Fatalf("%s(%v) failed: %v", tool, args, text)
	}
	if res.StructuredContent != nil {
		raw, _ := json.Marshal(res.StructuredContent)
		text = append(text, string(raw))
	}
	return strings.Join(text, "\n")
}

package compose

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/internal/resources"
)

// The compose services read exactly the variables the operator sets on the
// same images: a name only compose uses would be a setting the operator
// cannot give, a name only the operator uses a setting compose forgets.
func TestServiceEnvironmentMatchesOperator(t *testing.T) {
	want := map[string][]string{
		mcpServer:  resources.MCPServerEnv,
		discordBot: resources.DiscordBotEnv,
	}
	// compose.lite.yaml is the operator's qdrant.mode Disabled, which sets no
	// Qdrant variable.
	qdrantEnv := []string{resources.EnvQdrantURL, resources.EnvQdrantAPIKey, resources.EnvQdrantCollection}
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		for name, operatorEnv := range want {
			if file == liteFile && name == mcpServer {
				operatorEnv = slices.DeleteFunc(slices.Clone(operatorEnv), func(v string) bool { return slices.Contains(qdrantEnv, v) })
			}
			t.Run(file+"/"+name, func(t *testing.T) {
				composeEnv := slices.Sorted(maps.Keys(env(service(t, project, name))))
				for _, v := range composeEnv {
					if !slices.Contains(operatorEnv, v) {
						t.Errorf("compose sets %s, which the operator never sets on %s (internal/resources/env.go)", v, name)
					}
				}
				for _, v := range operatorEnv {
					if !slices.Contains(composeEnv, v) {
						t.Errorf("the operator sets %s on %s; compose does not", v, name)
					}
				}
			})
		}
	}
}

// The connection settings point at the compose services on the operator's
// ports and carry the secrets from .env.
func TestConnectionsFullStack(t *testing.T) {
	project := mustLoad(t, fullFile)
	mcp := env(service(t, project, mcpServer))

	pg := env(service(t, project, postgres))
	if pg["POSTGRES_USER"] != resources.PostgresUser || pg["POSTGRES_DB"] != resources.PostgresDatabase ||
		pg["POSTGRES_PASSWORD"] != testSecrets["POSTGRES_PASSWORD"] {
		t.Errorf("postgres: POSTGRES_USER=%q POSTGRES_DB=%q, POSTGRES_PASSWORD from .env: %t; want user and database %q",
			pg["POSTGRES_USER"], pg["POSTGRES_DB"], pg["POSTGRES_PASSWORD"] == testSecrets["POSTGRES_PASSWORD"], resources.PostgresUser)
	}
	checkURL(t, resources.EnvDatabaseURL, mcp[resources.EnvDatabaseURL], composeDatabaseURL())

	// The MCP server speaks gRPC to Qdrant, like the operator's QdrantURL.
	checkURL(t, resources.EnvQdrantURL, mcp[resources.EnvQdrantURL], url.URL{
		Scheme: "http", Host: fmt.Sprintf("%s:%d", qdrant, resources.QdrantGRPCPort),
	})
	qd := env(service(t, project, qdrant))
	if mcp[resources.EnvQdrantAPIKey] != testSecrets["QDRANT_API_KEY"] || qd["QDRANT__SERVICE__API_KEY"] != testSecrets["QDRANT_API_KEY"] {
		t.Errorf("the MCP server's %s and Qdrant's QDRANT__SERVICE__API_KEY must both be QDRANT_API_KEY from .env", resources.EnvQdrantAPIKey)
	}
	checkSharedConnections(t, project)
}

// composeDatabaseURL is the DATABASE_URL every compose file gives the MCP
// server: the compose PostgreSQL, with the password from .env.
func composeDatabaseURL() url.URL {
	return url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(resources.PostgresUser, testSecrets["POSTGRES_PASSWORD"]),
		Host:     fmt.Sprintf("%s:%d", postgres, resources.PostgresPort),
		Path:     "/" + resources.PostgresDatabase,
		RawQuery: "sslmode=disable",
	}
}

// compose.lite.yaml connects the MCP server to its PostgreSQL and to no
// Qdrant: without QDRANT_URL the vectors stay in PostgreSQL.
func TestConnectionsLite(t *testing.T) {
	project := mustLoad(t, liteFile)
	mcp := env(service(t, project, mcpServer))
	checkURL(t, resources.EnvDatabaseURL, mcp[resources.EnvDatabaseURL], composeDatabaseURL())
	for _, v := range []string{resources.EnvQdrantURL, resources.EnvQdrantAPIKey, resources.EnvQdrantCollection} {
		if value, ok := mcp[v]; ok {
			t.Errorf("mcp-server sets %s=%q; the Qdrant-less file must leave the vectors in PostgreSQL", v, value)
		}
	}
	// A .env without QDRANT_API_KEY is enough.
	noKey := testEnv(t)
	delete(noKey, "QDRANT_API_KEY")
	if _, err := loadProject(liteFile, noKey); err != nil {
		t.Errorf("%s without QDRANT_API_KEY: %v", liteFile, err)
	}
	checkSharedConnections(t, project)
}

// compose.hybrid.yaml hands the existing stores' URLs from .env to the MCP server.
func TestConnectionsHybrid(t *testing.T) {
	project := mustLoad(t, hybridFile)
	mcp := env(service(t, project, mcpServer))
	for _, v := range []string{resources.EnvDatabaseURL, resources.EnvQdrantURL} {
		if mcp[v] != testStores[v] {
			t.Errorf("mcp-server %s = %q, want %s from .env (%q)", v, mcp[v], v, testStores[v])
		}
	}
	if mcp[resources.EnvQdrantAPIKey] != testSecrets["QDRANT_API_KEY"] {
		t.Errorf("mcp-server %s is not QDRANT_API_KEY from .env", resources.EnvQdrantAPIKey)
	}

	// An existing Qdrant may have no API key.
	noKey := testEnv(t)
	delete(noKey, "QDRANT_API_KEY")
	if _, err := loadProject(hybridFile, noKey); err != nil {
		t.Errorf("%s without QDRANT_API_KEY: %v", hybridFile, err)
	}
	checkSharedConnections(t, project)
}

// checkSharedConnections checks what both files wire the same way: Redis,
// the MCP listen address and the bot's way to the MCP server.
func checkSharedConnections(t *testing.T, project *types.Project) {
	t.Helper()
	mcp := env(service(t, project, mcpServer))
	bot := env(service(t, project, discordBot))

	if want := fmt.Sprintf(":%d", resources.MCPServerPort); mcp[resources.EnvMCPListenAddr] != want {
		t.Errorf("mcp-server %s = %q, want %q", resources.EnvMCPListenAddr, mcp[resources.EnvMCPListenAddr], want)
	}
	wantRedis := url.URL{
		Scheme: "redis",
		User:   url.UserPassword("", testSecrets["REDIS_PASSWORD"]),
		Host:   fmt.Sprintf("%s:%d", redis, resources.RedisPort),
		Path:   "/0",
	}
	checkURL(t, "mcp-server "+resources.EnvRedisURL, mcp[resources.EnvRedisURL], wantRedis)
	checkURL(t, "discord-bot "+resources.EnvRedisURL, bot[resources.EnvRedisURL], wantRedis)
	if got := env(service(t, project, redis))["REDISCLI_AUTH"]; got != testSecrets["REDIS_PASSWORD"] {
		t.Errorf("redis: REDISCLI_AUTH (the password redis-server and redis-cli use) is not REDIS_PASSWORD from .env")
	}

	// The same URL the operator gives the bot, with the compose service name.
	checkURL(t, resources.EnvMCPServerURL, bot[resources.EnvMCPServerURL], url.URL{
		Scheme: "http", Host: fmt.Sprintf("%s:%d", mcpServer, resources.MCPServerPort), Path: "/mcp",
	})
	if mcp[resources.EnvMCPAuthToken] != testSecrets["MCP_AUTH_TOKEN"] || bot[resources.EnvMCPAuthToken] != testSecrets["MCP_AUTH_TOKEN"] {
		t.Errorf("%s of mcp-server and discord-bot must both be MCP_AUTH_TOKEN from .env", resources.EnvMCPAuthToken)
	}
	if bot[resources.EnvDiscordToken] != testSecrets["DISCORD_TOKEN"] {
		t.Errorf("discord-bot %s is not DISCORD_TOKEN from .env", resources.EnvDiscordToken)
	}
}

func checkURL(t *testing.T, name, got string, want url.URL) {
	t.Helper()
	if got != want.String() {
		t.Errorf("%s = %q, want %q", name, got, want.String())
	}
}

// The charsim services run the images the operator injects, at the release
// in VERSION, and are built from images/<name>/Dockerfile with that version.
func TestCharsimImagesAreTheOperators(t *testing.T) {
	version := repoVersion(t)
	// The operator's default images end in internal/version.Version, which is
	// "dev" in tests: take the repository from them and the tag from VERSION.
	want := map[string]string{
		mcpServer:  repository(resources.DefaultMCPServerImage()) + ":" + version,
		discordBot: repository(resources.DefaultDiscordBotImage()) + ":" + version,
	}
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		for name, image := range want {
			t.Run(file+"/"+name, func(t *testing.T) {
				svc := service(t, project, name)
				if svc.Image != image {
					t.Errorf("image %q, want %q", svc.Image, image)
				}
				if svc.Build == nil {
					t.Fatal("no build section: compose cannot build the image before it is published")
				}
				dockerfile := "images/" + name + "/Dockerfile"
				if svc.Build.Context != repoPath(".") || svc.Build.Dockerfile != dockerfile {
					t.Errorf("build context %q, dockerfile %q; want the repository root and %s", svc.Build.Context, svc.Build.Dockerfile, dockerfile)
				}
				if _, err := os.Stat(repoPath(dockerfile)); err != nil {
					t.Error(err)
				}
				if got := svc.Build.Args["VERSION"]; got == nil || *got != version {
					t.Errorf("build arg VERSION = %v, want %q", got, version)
				}
			})
		}
	}
}

// The data stores run the images the CRD defaults to.
func TestStoreImagesAreTheCRDDefaults(t *testing.T) {
	defaults := crdImageDefaults(t)
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		for _, name := range []string{postgres, qdrant, redis} {
			svc, ok := project.Services[name]
			if !ok {
				continue
			}
			if svc.Image != defaults[name] {
				t.Errorf("%s: %s image %q, want the CRD default spec.%s.image %q", file, name, svc.Image, name, defaults[name])
			}
		}
	}
}

// crdImageDefaults reads spec.<store>.image defaults from the generated CRD.
func crdImageDefaults(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(repoPath("config/crd/bases/charsim.mojin.dev_charactersimulations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatalf("parse CRD: %v", err)
	}
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	out := map[string]string{}
	for _, store := range []string{postgres, qdrant, redis} {
		def := spec.Properties[store].Properties["image"].Default
		if def == nil {
			t.Fatalf("CRD: spec.%s.image has no default", store)
		}
		var image string
		if err := yaml.Unmarshal(def.Raw, &image); err != nil {
			t.Fatalf("CRD: spec.%s.image default: %v", store, err)
		}
		out[store] = image
	}
	return out
}

// repository is an image reference without its tag.
func repository(image string) string {
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[:i]
	}
	return image
}

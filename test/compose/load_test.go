package compose

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

// The compose files under test, relative to the repository root.
const (
	fullFile   = "compose.yaml"
	hybridFile = "compose.hybrid.yaml"
	liteFile   = "compose.lite.yaml"
	envExample = ".env.example"
)

var composeFiles = []string{fullFile, hybridFile, liteFile}

// The compose services are named after the operator's components.
const (
	postgres   = resources.ComponentPostgres
	qdrant     = resources.ComponentQdrant
	redis      = resources.ComponentRedis
	mcpServer  = resources.ComponentMCPServer
	discordBot = resources.ComponentDiscordBot
)

// charsimServices run the charsim images; the others are the data stores.
var charsimServices = []string{discordBot, mcpServer} // sorted

// testSecrets are the values the tests give the secrets .env.example leaves
// empty; each is distinct so a test can tell where it ends up.
var testSecrets = map[string]string{
	"POSTGRES_PASSWORD": "test-postgres-password",
	"QDRANT_API_KEY":    "test-qdrant-api-key",
	"REDIS_PASSWORD":    "test-redis-password",
	"MCP_AUTH_TOKEN":    "test-mcp-auth-token",
	"DISCORD_TOKEN":     "test-discord-token",
}

// testStores are the existing stores compose.hybrid.yaml connects to.
var testStores = map[string]string{
	"DATABASE_URL": "postgres://charsim:test-external-password@db.example:5432/charsim",
	"QDRANT_URL":   "http://qdrant.example:6334",
}

// testEnv is .env.example with the empty secrets and stores filled in: what
// a user's .env looks like.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	env := exampleEnv(t)
	maps.Copy(env, testSecrets)
	maps.Copy(env, testStores)
	return env
}

// exampleEnv is .env.example as compose reads it.
func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	env, err := dotenv.Read(repoPath(envExample))
	if err != nil {
		t.Fatalf("read %s: %v", envExample, err)
	}
	return env
}

// loadProject loads a compose file the way `docker compose` does, with env as
// the only source of variables (neither the process environment nor a
// developer's .env take part).
func loadProject(file string, env map[string]string) (*types.Project, error) {
	var list []string
	for _, name := range slices.Sorted(maps.Keys(env)) {
		list = append(list, name+"="+env[name])
	}
	opts, err := cli.NewProjectOptions([]string{repoPath(file)},
		cli.WithWorkingDirectory(testenv.RepoRoot()),
		cli.WithEnv(list))
	if err != nil {
		return nil, err
	}
	return cli.ProjectFromOptions(context.Background(), opts)
}

// mustLoad is loadProject with the test environment; failing to load fails the test.
func mustLoad(t *testing.T, file string) *types.Project {
	t.Helper()
	project, err := loadProject(file, testEnv(t))
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	return project
}

// variables are the ${VARIABLES} a compose file refers to, before interpolation.
func variables(t *testing.T, file string) map[string]template.Variable {
	t.Helper()
	raw, err := os.ReadFile(repoPath(file))
	if err != nil {
		t.Fatal(err)
	}
	var model map[string]any
	if err := yaml.Unmarshal(raw, &model); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return template.ExtractVariables(model, template.DefaultPattern)
}

// service returns a service the test needs.
func service(t *testing.T, project *types.Project, name string) types.ServiceConfig {
	t.Helper()
	svc, ok := project.Services[name]
	if !ok {
		t.Fatalf("%s: no service %q", project.ComposeFiles[0], name)
	}
	return svc
}

// env is a service's resolved environment.
func env(svc types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for name, value := range svc.Environment {
		if value != nil {
			out[name] = *value
		}
	}
	return out
}

func repoPath(rel string) string {
	return filepath.Join(testenv.RepoRoot(), rel)
}

// repoVersion is the release version in the VERSION file.
func repoVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(repoPath("VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(raw))
}

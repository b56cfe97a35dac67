package compose

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// .env.example documents every variable the compose files read, and nothing else.
func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	used := map[string]string{} // variable -> a file that reads it
	for _, file := range composeFiles {
		for name := range variables(t, file) {
			used[name] = file
		}
	}
	documented := exampleEnv(t)
	for _, name := range slices.Sorted(maps.Keys(used)) {
		if _, ok := documented[name]; !ok {
			t.Errorf("%s reads %s; %s does not document it", used[name], name, envExample)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(documented)) {
		if _, ok := used[name]; !ok {
			t.Errorf("%s documents %s, which no compose file reads", envExample, name)
		}
	}
}

// Secrets and the existing stores' URLs have no defaults: compose refuses to
// start without them, naming the variable, whether it is unset or left empty
// as in .env.example.
func TestRequiredSettingsAreNamed(t *testing.T) {
	want := map[string][]string{
		fullFile:   {"DISCORD_TOKEN", "MCP_AUTH_TOKEN", "POSTGRES_PASSWORD", "QDRANT_API_KEY", "REDIS_PASSWORD"},
		hybridFile: {"DATABASE_URL", "DISCORD_TOKEN", "MCP_AUTH_TOKEN", "QDRANT_URL", "REDIS_PASSWORD"},
		liteFile:   {"DISCORD_TOKEN", "MCP_AUTH_TOKEN", "POSTGRES_PASSWORD", "REDIS_PASSWORD"},
	}
	for _, file := range composeFiles {
		var required []string
		for name, v := range variables(t, file) {
			if v.Required {
				required = append(required, name)
			}
		}
		slices.Sort(required)
		if !slices.Equal(required, want[file]) {
			t.Errorf("%s requires %q, want %q", file, required, want[file])
		}
		for _, name := range required {
			for _, how := range []string{"unset", "empty"} {
				t.Run(file+"/"+name+" "+how, func(t *testing.T) {
					env := testEnv(t)
					delete(env, name)
					if how == "empty" {
						env[name] = ""
					}
					_, err := loadProject(file, env)
					if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), ".env") {
						t.Errorf("load with %s %s: error %v; want one naming %s and .env", name, how, err, name)
					}
				})
			}
		}
	}
}

// podman-compose 1.0.3 (Debian 12) substitutes ${NAME:-default} only with a
// default of at least one character: ${NAME:-} would reach the container as
// those very characters. The optional settings are written ${NAME}.
func TestNoEmptyDefaults(t *testing.T) {
	for _, file := range composeFiles {
		raw, err := os.ReadFile(repoPath(file))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if emptyDefault.MatchString(line) {
				t.Errorf("%s:%d: %q has an empty default, which podman-compose 1.0.3 leaves unsubstituted; write ${NAME}", file, i+1, strings.TrimSpace(line))
			}
		}
	}
}

var emptyDefault = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:?[-?]\}`)

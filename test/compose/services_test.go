package compose

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/internal/bot"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/resources"
)

// internalNetwork is the network without a route out that every service is on.
const internalNetwork = "internal"

// dataPaths are where each data store keeps its data: a named volume each.
var dataPaths = map[string]string{
	postgres: "/var/lib/postgresql/data",
	qdrant:   "/qdrant/storage",
	redis:    "/data",
}

// Every service has a healthcheck, so `depends_on: service_healthy` orders
// the start and `docker compose ps` shows the state.
func TestEveryServiceHasAHealthcheck(t *testing.T) {
	for _, file := range composeFiles {
		for name, svc := range mustLoad(t, file).Services {
			t.Run(file+"/"+name, func(t *testing.T) {
				hc := svc.HealthCheck
				if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
					t.Fatalf("no healthcheck: %+v", hc)
				}
				if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil || hc.StartPeriod == nil {
					t.Errorf("healthcheck without interval, timeout, retries and start_period: %+v", hc)
				}
			})
		}
	}
}

// The charsim images have no shell: their healthcheck execs the image's own
// binary. The data stores' checks ask the ports the operator's probes use.
func TestHealthcheckCommands(t *testing.T) {
	want := map[string][]string{
		postgres: {"pg_isready", "-U " + resources.PostgresUser, "-d " + resources.PostgresDatabase},
		qdrant:   {fmt.Sprintf("/dev/tcp/127.0.0.1/%d", resources.QdrantHTTPPort), "/readyz", " 200 "},
		redis:    {"redis-cli", "ping", "PONG"},
	}
	for _, file := range composeFiles {
		for name, svc := range mustLoad(t, file).Services {
			t.Run(file+"/"+name, func(t *testing.T) {
				test := svc.HealthCheck.Test
				if slices.Contains(charsimServices, name) {
					binary := entrypoint(t, name)
					if !slices.Equal(test, []string{"CMD", binary, "--healthcheck"}) {
						t.Errorf("healthcheck %q, want [CMD %s --healthcheck]: the image has nothing but %s", test, binary, binary)
					}
					return
				}
				command := strings.Join(test, " ")
				for _, part := range want[name] {
					if !strings.Contains(command, part) {
						t.Errorf("healthcheck %q does not contain %q", command, part)
					}
				}
			})
		}
	}
}

// The charsim binaries accept their healthcheck command line together with the
// environment compose gives them (the check runs inside the container).
func TestHealthcheckCommandLinesParse(t *testing.T) {
	loaders := map[string]func(args []string, lookup func(string) (string, bool), output io.Writer) error{
		mcpServer: func(args []string, lookup func(string) (string, bool), output io.Writer) error {
			_, err := mcpserver.LoadConfig(args, lookup, output)
			return err
		},
		discordBot: func(args []string, lookup func(string) (string, bool), output io.Writer) error {
			_, err := bot.LoadConfig(args, lookup, output)
			return err
		},
	}
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		for name, load := range loaders {
			t.Run(file+"/"+name, func(t *testing.T) {
				svc := service(t, project, name)
				environment := env(svc)
				lookup := func(key string) (string, bool) { v, ok := environment[key]; return v, ok }
				if err := load(svc.HealthCheck.Test[2:], lookup, io.Discard); err != nil {
					t.Errorf("%s %q: %v (the image has no shell or curl: the binary itself must run its healthcheck)", name, svc.HealthCheck.Test[1:], err)
				}
			})
		}
	}
}

// entrypoint is the binary an image's Dockerfile runs.
func entrypoint(t *testing.T, image string) string {
	t.Helper()
	raw, err := os.ReadFile(repoPath("images/" + image + "/Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			var args []string
			if err := json.Unmarshal([]byte(rest), &args); err != nil || len(args) != 1 {
				t.Fatalf("images/%s/Dockerfile: ENTRYPOINT %s is not a one-element exec form", image, rest)
			}
			return args[0]
		}
	}
	t.Fatalf("images/%s/Dockerfile has no ENTRYPOINT", image)
	return ""
}

// Each data store keeps its data in a named volume of its own; the charsim
// services keep nothing and run with a read-only root.
func TestVolumes(t *testing.T) {
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		used := map[string]string{} // volume -> service
		for name, svc := range project.Services {
			t.Run(file+"/"+name, func(t *testing.T) {
				path, stateful := dataPaths[name]
				if !stateful {
					if len(svc.Volumes) > 0 {
						t.Errorf("stateless service mounts %+v", svc.Volumes)
					}
					return
				}
				var found bool
				for _, v := range svc.Volumes {
					if v.Target != path {
						continue
					}
					found = true
					if v.Type != types.VolumeTypeVolume {
						t.Errorf("%s is a %s mount, want a named volume", path, v.Type)
					}
					if _, ok := project.Volumes[v.Source]; !ok {
						t.Errorf("%s: volume %q is not declared under volumes:", path, v.Source)
					}
					if other, ok := used[v.Source]; ok {
						t.Errorf("volume %q is shared with %s", v.Source, other)
					}
					used[v.Source] = name
				}
				if !found {
					t.Errorf("no named volume at %s", path)
				}
			})
		}
		for volume := range project.Volumes {
			if _, ok := used[volume]; !ok {
				t.Errorf("%s: volume %q is declared but no data store uses it", file, volume)
			}
		}
	}
}

// The charsim images run as their non-root user with nothing to write but /tmp.
func TestCharsimServicesAreHardened(t *testing.T) {
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		for _, name := range charsimServices {
			svc := service(t, project, name)
			if svc.User != "" {
				t.Errorf("%s %s: user %q overrides the image's non-root user", file, name, svc.User)
			}
			if !svc.ReadOnly || !slices.Equal(svc.Tmpfs, []string{"/tmp"}) {
				t.Errorf("%s %s: read_only %t, tmpfs %q; want a read-only root with a /tmp tmpfs", file, name, svc.ReadOnly, svc.Tmpfs)
			}
			if !slices.Equal(svc.CapDrop, []string{"ALL"}) || len(svc.CapAdd) > 0 {
				t.Errorf("%s %s: cap_drop %q, cap_add %q; want every capability dropped", file, name, svc.CapDrop, svc.CapAdd)
			}
			if !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") {
				t.Errorf("%s %s: security_opt %q lacks no-new-privileges:true", file, name, svc.SecurityOpt)
			}
		}
	}
}

func TestServicesRestart(t *testing.T) {
	for _, file := range composeFiles {
		for name, svc := range mustLoad(t, file).Services {
			if svc.Restart != types.RestartPolicyUnlessStopped {
				t.Errorf("%s %s: restart %q, want %q", file, name, svc.Restart, types.RestartPolicyUnlessStopped)
			}
		}
	}
}

// Only the MCP endpoint is published, on loopback unless .env says otherwise.
func TestOnlyTheMCPPortIsPublished(t *testing.T) {
	published := testEnv(t)
	published["MCP_PUBLISH_ADDRESS"], published["MCP_PUBLISH_PORT"] = "0.0.0.0", "18000"
	for _, file := range composeFiles {
		for _, tc := range []struct {
			name         string
			env          map[string]string
			host, hostIP string
		}{
			{"example settings", testEnv(t), "8000", "127.0.0.1"},
			{"published to the network", published, "18000", "0.0.0.0"},
		} {
			t.Run(file+"/"+tc.name, func(t *testing.T) {
				project, err := loadProject(file, tc.env)
				if err != nil {
					t.Fatal(err)
				}
				for name, svc := range project.Services {
					if name != mcpServer {
						if len(svc.Ports) > 0 || len(svc.Expose) > 0 {
							t.Errorf("%s publishes %+v, exposes %q; only mcp-server may", name, svc.Ports, svc.Expose)
						}
						continue
					}
					want := []types.ServicePortConfig{{
						Mode: "ingress", HostIP: tc.hostIP, Target: uint32(resources.MCPServerPort),
						Published: tc.host, Protocol: "tcp",
					}}
					if !reflect.DeepEqual(svc.Ports, want) {
						t.Errorf("mcp-server ports %+v, want %+v", svc.Ports, want)
					}
				}
			})
		}
	}
}

// The data stores are reachable only from the stack; only what must reach
// out (or be reached from the host) is also on a network with a route out.
func TestNetworks(t *testing.T) {
	for _, file := range composeFiles {
		project := mustLoad(t, file)
		if n, ok := project.Networks[internalNetwork]; !ok || !n.Internal {
			t.Errorf("%s: network %q missing or not internal: %+v", file, internalNetwork, n)
		}
		var outside []string
		for name, svc := range project.Services {
			if _, ok := svc.Networks[internalNetwork]; !ok {
				t.Errorf("%s: %s is not on the %s network", file, name, internalNetwork)
			}
			for network := range svc.Networks {
				if !project.Networks[network].Internal {
					outside = append(outside, name)
					break
				}
			}
		}
		slices.Sort(outside)
		if !slices.Equal(outside, charsimServices) {
			t.Errorf("%s: services with a route out %q, want only %q", file, outside, charsimServices)
		}
	}
}

// Secrets reach the containers through the environment only, never through
// a command line a process listing shows.
func TestSecretsStayOffCommandLines(t *testing.T) {
	for _, file := range composeFiles {
		for name, svc := range mustLoad(t, file).Services {
			var commandLines []string
			commandLines = append(commandLines, svc.Command...)
			commandLines = append(commandLines, svc.Entrypoint...)
			if svc.HealthCheck != nil {
				commandLines = append(commandLines, svc.HealthCheck.Test...)
			}
			joined := strings.Join(commandLines, " ")
			for variable, secret := range testSecrets {
				if strings.Contains(joined, secret) {
					t.Errorf("%s %s: %s is on a command line: %q", file, name, variable, joined)
				}
			}
		}
	}
}

// compose.hybrid.yaml is compose.yaml without PostgreSQL and Qdrant: every
// service it has is the same apart from the MCP server's store connection.
func TestHybridIsTheFullStackWithExistingStores(t *testing.T) {
	full, hybrid := mustLoad(t, fullFile), mustLoad(t, hybridFile)
	if got, want := slices.Sorted(maps.Keys(hybrid.Services)), []string{discordBot, mcpServer, redis}; !slices.Equal(got, want) {
		t.Errorf("%s services %q, want %q", hybridFile, got, want)
	}
	storeSettings := []string{resources.EnvDatabaseURL, resources.EnvQdrantURL, resources.EnvQdrantAPIKey}
	for name, svc := range hybrid.Services {
		got, want := serviceModel(t, svc), serviceModel(t, full.Services[name])
		if name == mcpServer {
			for _, m := range []map[string]any{got, want} {
				for _, v := range storeSettings {
					delete(m["environment"].(map[string]any), v)
				}
			}
			dependsOn := want["depends_on"].(map[string]any)
			delete(dependsOn, postgres)
			delete(dependsOn, qdrant)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs between the files beyond the store connection:\n%s:\n%s\n%s:\n%s",
				name, hybridFile, toYAML(t, got), fullFile, toYAML(t, want))
		}
	}
	if !reflect.DeepEqual(hybrid.Networks, full.Networks) {
		t.Errorf("networks differ:\n%s: %+v\n%s: %+v", hybridFile, hybrid.Networks, fullFile, full.Networks)
	}
	for volume, config := range hybrid.Volumes {
		if !reflect.DeepEqual(config, full.Volumes[volume]) {
			t.Errorf("volume %s differs:\n%s: %+v\n%s: %+v", volume, hybridFile, config, fullFile, full.Volumes[volume])
		}
	}
}

// compose.lite.yaml is compose.yaml without Qdrant: the same services,
// networks and volumes apart from Qdrant's, and an MCP server that neither
// waits for Qdrant nor is told of one.
func TestLiteIsTheFullStackWithoutQdrant(t *testing.T) {
	full, lite := mustLoad(t, fullFile), mustLoad(t, liteFile)
	if got, want := slices.Sorted(maps.Keys(lite.Services)), []string{discordBot, mcpServer, postgres, redis}; !slices.Equal(got, want) {
		t.Errorf("%s services %q, want %q", liteFile, got, want)
	}
	for name, svc := range lite.Services {
		got, want := serviceModel(t, svc), serviceModel(t, full.Services[name])
		if name == mcpServer {
			environment := want["environment"].(map[string]any)
			for _, v := range []string{resources.EnvQdrantURL, resources.EnvQdrantAPIKey, resources.EnvQdrantCollection} {
				delete(environment, v)
			}
			delete(want["depends_on"].(map[string]any), qdrant)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs between the files beyond Qdrant:\n%s:\n%s\n%s:\n%s",
				name, liteFile, toYAML(t, got), fullFile, toYAML(t, want))
		}
	}
	if !reflect.DeepEqual(lite.Networks, full.Networks) {
		t.Errorf("networks differ:\n%s: %+v\n%s: %+v", liteFile, lite.Networks, fullFile, full.Networks)
	}
	if got, want := slices.Sorted(maps.Keys(lite.Volumes)), []string{"postgres-data", "redis-data"}; !slices.Equal(got, want) {
		t.Errorf("%s volumes %q, want %q", liteFile, got, want)
	}
	for volume, config := range lite.Volumes {
		if !reflect.DeepEqual(config, full.Volumes[volume]) {
			t.Errorf("volume %s differs:\n%s: %+v\n%s: %+v", volume, liteFile, config, fullFile, full.Volumes[volume])
		}
	}
	if lite.Name != full.Name {
		t.Errorf("project name %q, want %s's %q: a switch between the files keeps the volumes", lite.Name, fullFile, full.Name)
	}
}

// serviceModel is a service as generic data, to compare with parts removed.
func serviceModel(t *testing.T, svc types.ServiceConfig) map[string]any {
	t.Helper()
	raw, err := json.Marshal(svc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func toYAML(t *testing.T, v any) string {
	t.Helper()
	out, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

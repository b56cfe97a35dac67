package install

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// chartOnlyFlags are the manager flags the chart passes and config/manager
// does not: the chart lets users move the stack images (private registries,
// a tag of their own), while a kustomize install runs the images the
// manager's own build names (`charsim-mcp-server:<version>`), which a
// hard-coded tag in config/manager would only let go stale.
// The backup CronJobs run the operator's own image (--operator-image) for the
// same reason.
var chartOnlyFlags = []string{"--discord-bot-image", "--mcp-server-image", "--operator-image"}

// managerFlags returns the sorted flag names (without values) of the manager
// container of the one Deployment in objects.
func managerFlags(t *testing.T, objects []*unstructured.Unstructured) []string {
	t.Helper()
	var deployment appsv1.Deployment
	onlyObject(t, objects, "Deployment", &deployment)
	var names []string
	for _, arg := range managerContainer(t, &deployment).Args {
		name, _, _ := strings.Cut(arg, "=")
		names = append(names, name)
	}
	return slices.Sorted(slices.Values(names))
}

// TestChartManagerFlagsMatchKustomize checks that with default values the
// chart passes the manager the flags config/manager passes, plus only the
// flags listed in chartOnlyFlags: a flag added on one side alone would make
// the two installs behave differently.
func TestChartManagerFlagsMatchKustomize(t *testing.T) {
	chart := managerFlags(t, decodeManifests(t, newHelm(t).template(t, "charsim-system")))
	kustomize := managerFlags(t, decodeManifests(t, kustomizeBuild(t, "config/default")))
	want := slices.Sorted(slices.Values(append(slices.Clone(kustomize), chartOnlyFlags...)))
	if !slices.Equal(chart, want) {
		t.Errorf("chart passes the manager %v; config/manager passes %v, so the chart should pass %v", chart, kustomize, want)
	}
}

// definedFlag matches a flag in the usage text of Go's flag package.
var definedFlag = regexp.MustCompile(`(?m)^\s+-([a-z0-9-]+)`)

// TestManagerDefinesEveryInstalledFlag builds the manager and checks that it
// defines every flag the chart (default and custom values) and
// config/manager pass it: an unknown flag would stop it at start.
func TestManagerDefinesEveryInstalledFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the manager; skipped under -short")
	}
	manager := filepath.Join(t.TempDir(), "manager")
	run(t, nil, "go", "build", "-o", manager, ".")
	// -help prints the usage to stderr and exits 0 (flag.ErrHelp).
	_, usage, err := tryRun(nil, manager, "-help")
	if err != nil {
		t.Fatalf("manager -help: %v\n%s", err, usage)
	}
	defined := map[string]bool{}
	for _, m := range definedFlag.FindAllStringSubmatch(string(usage), -1) {
		defined["--"+m[1]] = true
	}
	if len(defined) == 0 {
		t.Fatalf("no flags in the manager's usage:\n%s", usage)
	}
	h := newHelm(t)
	for name, objects := range map[string][]*unstructured.Unstructured{
		"chart with default values": decodeManifests(t, h.template(t, "charsim-system")),
		"chart with custom values":  decodeManifests(t, h.template(t, "charsim-system", customValues(t))),
		"config/default":            decodeManifests(t, kustomizeBuild(t, "config/default")),
	} {
		for _, flag := range managerFlags(t, objects) {
			if !defined[flag] {
				t.Errorf("%s passes %s, which the manager does not define", name, flag)
			}
		}
	}
}

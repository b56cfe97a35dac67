package install

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mojin/charsim/internal/testenv"
)

// syncHint is what to do when the chart and config/ differ.
const syncHint = "run `make manifests` then hack/sync-chart.sh (make chart-sync)"

// kustomizePrefix is config/default's namePrefix; the chart's names start
// with "<release>-" instead.
const kustomizePrefix = "charsim-"

// yamlFiles reads every *.yaml file of a directory, by file name.
func yamlFiles(t *testing.T, dir string) map[string][]*unstructured.Unstructured {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]*unstructured.Unstructured{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = decodeManifests(t, raw)
	}
	return files
}

// generatedCRDs are the CRD files `make manifests` writes.
func generatedCRDs(t *testing.T) map[string][]*unstructured.Unstructured {
	t.Helper()
	crds := yamlFiles(t, filepath.Join("config", "crd", "bases"))
	if len(crds) == 0 {
		t.Fatalf("config/crd/bases has no CRDs: run make manifests")
	}
	return crds
}

func TestChartCRDsMatchConfig(t *testing.T) {
	generated := generatedCRDs(t)
	chart := yamlFiles(t, filepath.Join(chartPath, "crds"))
	if want, got := slices.Sorted(maps.Keys(generated)), slices.Sorted(maps.Keys(chart)); !slices.Equal(want, got) {
		t.Fatalf("chart crds/ has %v, config/crd/bases has %v: %s", got, want, syncHint)
	}
	for name, objects := range generated {
		if !reflect.DeepEqual(objects, chart[name]) {
			t.Errorf("chart crds/%s differs from config/crd/bases/%s: %s", name, name, syncHint)
		}
	}
}

// TestChartRBACMatchesKustomize compares every Role and ClusterRole of the
// two installs, so the chart grants exactly the rules generated from the
// +kubebuilder:rbac markers and the hand-written leader-election and metrics
// roles, no more and no less.
func TestChartRBACMatchesKustomize(t *testing.T) {
	chart := roleRules(t, decodeManifests(t, newHelm(t).template(t, "charsim-system")), helmRelease+"-")
	kustomize := roleRules(t, decodeManifests(t, kustomizeBuild(t, "config/default")), kustomizePrefix)
	if _, ok := kustomize["ClusterRole/manager-role"]; !ok {
		t.Errorf("config/default has no ClusterRole manager-role; roles: %v", slices.Sorted(maps.Keys(kustomize)))
	}
	if want, got := slices.Sorted(maps.Keys(kustomize)), slices.Sorted(maps.Keys(chart)); !slices.Equal(want, got) {
		t.Fatalf("chart roles %v, kustomize roles %v: %s", got, want, syncHint)
	}
	for role, rules := range kustomize {
		if !equality.Semantic.DeepEqual(rules, chart[role]) {
			t.Errorf("%s: chart rules\n%+v\nkustomize rules\n%+v\n%s", role, chart[role], rules, syncHint)
		}
	}
}

// roleRules maps "Kind/name without prefix" to the rules of every Role and
// ClusterRole.
func roleRules(t *testing.T, objects []*unstructured.Unstructured, prefix string) map[string][]rbacv1.PolicyRule {
	t.Helper()
	rules := map[string][]rbacv1.PolicyRule{}
	for _, kind := range []string{"Role", "ClusterRole"} {
		for _, o := range objectsOfKind(objects, kind) {
			name, ok := strings.CutPrefix(o.GetName(), prefix)
			if !ok {
				t.Errorf("%s %s lacks the name prefix %q", kind, o.GetName(), prefix)
			}
			var role rbacv1.ClusterRole // a Role has the same rules field
			if err := decodeInto(o.Object, &role); err != nil {
				t.Fatal(err)
			}
			rules[kind+"/"+name] = role.Rules
		}
	}
	return rules
}

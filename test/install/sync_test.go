package install

import (
	"bytes"
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
	"sigs.k8s.io/yaml"

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
			t.Errorf("%s: chart rules\n%s\nkustomize rules\n%s\n%s", role, asYAML(t, chart[role]), asYAML(t, rules), syncHint)
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

// TestSyncChartScript runs hack/sync-chart.sh on a copy of config/ and a
// stale chart: afterwards the chart holds exactly config's CRDs and roles and
// the version in VERSION.
func TestSyncChartScript(t *testing.T) {
	root := testenv.RepoRoot()
	work := t.TempDir()
	for _, dir := range []string{filepath.Join("config", "crd", "bases"), filepath.Join("config", "rbac")} {
		if err := os.CopyFS(filepath.Join(work, dir), os.DirFS(filepath.Join(root, dir))); err != nil {
			t.Fatalf("copy %s: %v", dir, err)
		}
	}
	script := filepath.Join(work, "hack", "sync-chart.sh")
	raw, err := os.ReadFile(filepath.Join(root, "hack", "sync-chart.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	chart := filepath.Join(work, chartPath)
	if err := os.WriteFile(filepath.Join(work, "VERSION"), []byte("2.3.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, content := range map[string]string{
		"Chart.yaml":             "apiVersion: v2\nname: charsim-operator\nversion: 0.0.1\nappVersion: \"0.0.1\"\n",
		"crds/removed-kind.yaml": "kind: CustomResourceDefinition\n",
		"files/rbac/role.yaml":   "rules: []\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(chart, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(chart, path), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, nil, "bash", script)

	assertSameFiles(t, filepath.Join(work, "config", "crd", "bases"), filepath.Join(chart, "crds"), nil)
	assertSameFiles(t, filepath.Join(work, "config", "rbac"), filepath.Join(chart, "files", "rbac"),
		[]string{"leader_election_role.yaml", "metrics_auth_role.yaml", "metrics_reader_role.yaml", "role.yaml"})

	chartYAML, err := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "apiVersion: v2\nname: charsim-operator\nversion: 2.3.4\nappVersion: \"2.3.4\"\n"; string(chartYAML) != want {
		t.Errorf("Chart.yaml after sync:\n%s\nwant:\n%s", chartYAML, want)
	}

	if err := os.Remove(filepath.Join(work, "config", "rbac", "role.yaml")); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := tryRun(nil, "bash", script)
	if err == nil || !strings.Contains(string(stderr), "config/rbac/role.yaml is missing") {
		t.Errorf("sync without config/rbac/role.yaml: err %v, stderr %q; want a failure naming the file", err, stderr)
	}
}

// assertSameFiles checks that dst holds exactly the *.yaml files of src
// (or only the named ones), byte for byte.
func assertSameFiles(t *testing.T, src, dst string, names []string) {
	t.Helper()
	if names == nil {
		paths, err := filepath.Glob(filepath.Join(src, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			names = append(names, filepath.Base(p))
		}
	}
	copied, err := filepath.Glob(filepath.Join(dst, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range copied {
		got = append(got, filepath.Base(p))
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(names))) {
		t.Errorf("%s holds %v, want %v", dst, got, names)
	}
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		have, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(have, want) {
			t.Errorf("%s/%s is not a copy of %s/%s (%v)", dst, name, src, name, err)
		}
	}
}

// asYAML renders a value for a readable failure message.
func asYAML(t *testing.T, v any) string {
	t.Helper()
	out, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

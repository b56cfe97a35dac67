package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/testenv"
)

// chartPath is the chart, relative to the repository root where helm runs.
const chartPath = "charts/charsim-operator"

// helmRelease is the release name the tests install; with it the chart's
// resource names start with "charsim-operator-".
const helmRelease = "charsim-operator"

// helm runs the pinned helm with its own empty config, cache and data homes,
// so nothing from the user's helm setup leaks into the result.
type helm struct {
	bin string
	env []string
}

func newHelm(t *testing.T) *helm {
	t.Helper()
	home := t.TempDir()
	return &helm{
		bin: pinnedTool(t, "helm", "HELM_VERSION"),
		env: []string{
			"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
			"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
			"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		},
	}
}

// templateArgs are the arguments of `helm template` for a release in
// namespace with the given values files. The CRDs are included so they are
// checked too; the Kubernetes version is the one envtest runs.
func templateArgs(namespace string, valuesFiles ...string) []string {
	args := []string{"template", helmRelease, chartPath, "--namespace", namespace,
		"--include-crds", "--kube-version", testenv.KubernetesVersion}
	for _, f := range valuesFiles {
		args = append(args, "--values", f)
	}
	return args
}

// template renders the chart and fails the test if helm refuses.
func (h *helm) template(t *testing.T, namespace string, valuesFiles ...string) []byte {
	t.Helper()
	return run(t, h.env, h.bin, templateArgs(namespace, valuesFiles...)...)
}

// templateError renders the chart with extra arguments that must make helm
// fail, and returns helm's error output.
func (h *helm) templateError(t *testing.T, extra ...string) string {
	t.Helper()
	args := append(templateArgs("charsim-schema"), extra...)
	stdout, stderr, err := tryRun(h.env, h.bin, args...)
	if err == nil {
		t.Fatalf("helm template %s succeeded, want a refusal; rendered %d bytes", strings.Join(extra, " "), len(stdout))
	}
	return string(stderr)
}

// customValues is the values file that changes every value.
func customValues(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", "custom-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// repoVersion is the content of the VERSION file, which the chart follows.
func repoVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(raw))
}

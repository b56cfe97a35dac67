package v1alpha1_test

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kubebuilder/v4/pkg/config"
	yamlstore "sigs.k8s.io/kubebuilder/v4/pkg/config/store/yaml"
	_ "sigs.k8s.io/kubebuilder/v4/pkg/config/v3" // registers PROJECT version "3"
	"sigs.k8s.io/kubebuilder/v4/pkg/machinery"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/api/v1alpha1"
)

// repoRoot is where PROJECT, config/ and controllers/ live, seen from this
// package's directory (go test runs in it).
const repoRoot = "../.."

// TestPROJECTDescribesTheRepository loads PROJECT with kubebuilder's own
// config store, the one its CLI uses, and checks every statement in it against
// what the repository really holds: the module, the API group, each kind of
// the scheme with its package, CRD scope and plural, its controller, and the
// go/v3 layout (main.go at the top level, controllers/).
func TestPROJECTDescribesTheRepository(t *testing.T) {
	store := yamlstore.New(machinery.Filesystem{FS: afero.NewOsFs()})
	if err := store.LoadFrom(filepath.Join(repoRoot, "PROJECT")); err != nil {
		t.Fatalf("kubebuilder cannot load PROJECT: %v", err)
	}
	project := store.Config()

	if got, want := project.GetVersion(), (config.Version{Number: 3}); got.Compare(want) != 0 {
		t.Errorf("PROJECT version = %s, want %s", got, want)
	}
	if got, want := project.GetRepository(), modulePath(t); got != want {
		t.Errorf("PROJECT repo = %q, want the module path %q", got, want)
	}
	if got := project.GetDomain(); !strings.HasSuffix(v1alpha1.GroupVersion.Group, "."+got) {
		t.Errorf("PROJECT domain = %q, not the suffix of the API group %q", got, v1alpha1.GroupVersion.Group)
	}
	if project.IsMultiGroup() {
		t.Errorf("PROJECT says multigroup, but the API lives in one group under api/%s", v1alpha1.GroupVersion.Version)
	}
	checkLayout(t, project.GetPluginChain())

	resources, err := project.GetResources()
	if err != nil {
		t.Fatalf("PROJECT resources: %v", err)
	}
	var described []string
	for _, r := range resources {
		described = append(described, r.Kind)
		t.Run(r.Kind, func(t *testing.T) {
			if err := r.Validate(); err != nil {
				t.Fatalf("kubebuilder refuses the resource: %v", err)
			}
			if got := r.QualifiedGroup(); got != v1alpha1.GroupVersion.Group {
				t.Errorf("group.domain = %q, want %q", got, v1alpha1.GroupVersion.Group)
			}
			if r.Version != v1alpha1.GroupVersion.Version {
				t.Errorf("version = %q, want %q", r.Version, v1alpha1.GroupVersion.Version)
			}
			if want := reflect.TypeFor[v1alpha1.CharacterSimulation]().PkgPath(); r.Path != want {
				t.Errorf("path = %q, want the API package %q", r.Path, want)
			}
			crd := readCRD(t, r.QualifiedGroup(), r.Plural)
			if crd.Spec.Names.Kind != r.Kind {
				t.Errorf("CRD %s names kind %q", crd.Name, crd.Spec.Names.Kind)
			}
			if r.API == nil {
				t.Fatal("no api section: the kind has a CRD in config/crd/bases")
			}
			if r.API.CRDVersion != "v1" {
				t.Errorf("api.crdVersion = %q, want v1", r.API.CRDVersion)
			}
			if namespaced := crd.Spec.Scope == apiextensionsv1.NamespaceScoped; r.API.Namespaced != namespaced {
				t.Errorf("api.namespaced = %v, but the CRD scope is %s", r.API.Namespaced, crd.Spec.Scope)
			}
			if got, want := r.HasController(), hasController(t, r.Kind); got != want {
				t.Errorf("controller = %v, but controllers/ reconciling %s: %v", got, r.Kind, want)
			}
			if r.Webhooks != nil && !r.Webhooks.IsEmpty() {
				t.Errorf("webhooks are declared, but the operator serves none (CEL validates instead)")
			}
		})
	}

	if kinds := schemeKinds(t); !slices.Equal(sorted(described), kinds) {
		t.Errorf("PROJECT describes kinds %v, the API registers %v", sorted(described), kinds)
	}
}

// checkLayout holds PROJECT's layout to the files that make it: go/v3 has
// main.go at the top level and controllers/, where go/v4 would have
// cmd/main.go and internal/controller/.
func checkLayout(t *testing.T, chain []string) {
	t.Helper()
	if want := []string{"go.kubebuilder.io/v3"}; !slices.Equal(chain, want) {
		t.Fatalf("PROJECT layout = %v, want %v", chain, want)
	}
	for _, path := range []string{"main.go", "controllers", "api/" + v1alpha1.GroupVersion.Version} {
		if _, err := os.Stat(filepath.Join(repoRoot, path)); err != nil {
			t.Errorf("layout go/v3 needs %s: %v", path, err)
		}
	}
	for _, path := range []string{"cmd/main.go", "internal/controller"} {
		if _, err := os.Stat(filepath.Join(repoRoot, path)); err == nil {
			t.Errorf("%s exists: that is the go/v4 layout, update PROJECT", path)
		}
	}
}

// modulePath is the main module of the test binary, which is this repository.
func modulePath(t *testing.T) string {
	t.Helper()
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Path == "" {
		t.Fatal("no build info in the test binary")
	}
	return info.Main.Path
}

// schemeKinds are the top-level kinds of the API package: registered in the
// scheme, defined in v1alpha1 (not the meta types every group gets) and not a list.
func schemeKinds(t *testing.T) []string {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	pkg := reflect.TypeFor[v1alpha1.CharacterSimulation]().PkgPath()
	var kinds []string
	for kind, typ := range scheme.KnownTypes(v1alpha1.GroupVersion) {
		if typ.PkgPath() == pkg && !strings.HasSuffix(kind, "List") {
			kinds = append(kinds, kind)
		}
	}
	return sorted(kinds)
}

// readCRD reads the generated CRD of a resource; controller-gen names the
// file group_plural.yaml.
func readCRD(t *testing.T, group, plural string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	path := filepath.Join(repoRoot, "config/crd/bases", group+"_"+plural+".yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the CRD for plural %q: %v", plural, err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return &crd
}

// hasController reports whether a reconciler in controllers/ is built For the
// kind, which is what "controller: true" promises kubebuilder.
func hasController(t *testing.T, kind string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "controllers", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	marker := "For(&v1alpha1." + kind + "{}"
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), marker) {
			return true
		}
	}
	return false
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

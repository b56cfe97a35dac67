package labelled

import (
	"fmt"
	"os"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

var k8s client.Client

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, []func(*runtime.Scheme) error{clientgoscheme.AddToScheme}, func(c *testenv.Cluster) error {
		k8s = c.Client
		return nil
	}))
}

// TestListFindsLabelledObjectsOnly lists a simulation's objects among those
// of another simulation and unlabelled ones, with a kind the API server does
// not serve in the middle of the kinds.
func TestListFindsLabelledObjectsOnly(t *testing.T) {
	ctx := t.Context()
	const ns = "default"
	create := func(obj client.Object, simulation string) {
		t.Helper()
		if simulation != "" {
			obj.SetLabels(map[string]string{resources.LabelSimulation: simulation})
		}
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: ns} }
	create(&corev1.ConfigMap{ObjectMeta: meta("alpha-config")}, "alpha")
	create(&corev1.Secret{ObjectMeta: meta("alpha-secret")}, "alpha")
	create(&corev1.ConfigMap{ObjectMeta: meta("beta-config")}, "beta")
	create(&corev1.ConfigMap{ObjectMeta: meta("unlabelled")}, "")

	kinds := []schema.GroupVersionKind{
		{Version: "v1", Kind: "Secret"},
		{Group: "widgets.example.com", Version: "v1", Kind: "Widget"},
		{Version: "v1", Kind: "ConfigMap"},
	}
	objects, err := List(ctx, k8s, ns, "alpha", kinds)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objects {
		got = append(got, fmt.Sprintf("%s/%s", o.GetKind(), o.GetName()))
	}
	if want := []string{"Secret/alpha-secret", "ConfigMap/alpha-config"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

package controllers

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	groupsnapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumegroupsnapshot/v1"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/testenv"
)

var (
	testScheme *runtime.Scheme
	restConfig *rest.Config
	// k8s reads and writes directly against the API server, bypassing any
	// cache, so assertions see exactly what is stored.
	k8s client.Client
)

var testOptions = resources.Options{
	MCPServerImage:  "registry.test/charsim-mcp-server:v1",
	DiscordBotImage: "registry.test/charsim-discord-bot:v1",
	OperatorImage:   "registry.test/charsim-operator:v1",
}

// TestMain starts a real kube-apiserver and etcd with the CRDs installed. A
// missing binary fails the suite: hack/k8s-binaries.sh can always build them.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("controllers: skipping the envtest suite in -short mode (it needs kube-apiserver and etcd)")
		os.Exit(0)
	}
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	schemes := []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, v1alpha1.AddToScheme, snapshotv1.AddToScheme, groupsnapshotv1.AddToScheme}
	return testenv.Main(m, schemes, func(c *testenv.Cluster) error {
		testScheme, restConfig, k8s = c.Scheme, c.Config, c.Client
		return nil
	})
}

// startManager runs a manager with the reconciler, as main.go does, until
// the returned stop function is called or the test ends. It returns the
// reconciler so tests can also call Reconcile directly.
func startManager(t *testing.T) (*CharacterSimulationReconciler, func()) {
	t.Helper()
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                 testScheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  CacheOptions(),
		// Tests start a fresh manager (and controller) more than once.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatalf("new manager: %v", err)
	}
	r := &CharacterSimulationReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(FieldOwner),
		Options:   testOptions,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if err := (&SimulationBackupReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(FieldOwner),
	}).SetupWithManager(mgr); err != nil {
		t.Fatalf("setup backups: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("manager: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	if !mgr.GetCache().WaitForCacheSync(ctx) || !r.secretMetadata.WaitForCacheSync(ctx) {
		t.Fatal("manager caches did not sync")
	}
	return r, stop
}

// eventually polls check until it succeeds, failing the test with the last
// error after a generous deadline.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) {
			last = check()
			return last == nil, nil
		})
	if err != nil {
		t.Fatalf("%s: %v (last error: %v)", what, err, last)
	}
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "charsim-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// newSimulation is the sample simulation with a Discord bot; the API server
// fills in every default.
func newSimulation(ns, name string) *v1alpha1.CharacterSimulation {
	return &v1alpha1.CharacterSimulation{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.CharacterSimulationSpec{
			DiscordBot: &v1alpha1.DiscordBotSpec{
				TokenSecretRef: v1alpha1.SecretKeyRef{Name: "discord", Key: "token"},
				LLM: v1alpha1.LLMSpec{
					BaseURL:         "http://ollama.ai.svc:11434/v1",
					Model:           "llama3.1",
					APIKeySecretRef: &v1alpha1.SecretKeyRef{Name: "llm", Key: "api-key"},
				},
			},
		},
	}
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// updateSimulation changes the stored simulation's spec, retrying on conflicts.
func updateSimulation(t *testing.T, sim *v1alpha1.CharacterSimulation, change func(*v1alpha1.CharacterSimulation)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(sim), sim); err != nil {
			return err
		}
		change(sim)
		return k8s.Update(context.Background(), sim)
	})
	if err != nil {
		t.Fatalf("update simulation: %v", err)
	}
}

func get[T client.Object](t *testing.T, ns, name string, obj T) T {
	t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		t.Fatalf("get %T %s: %v", obj, name, err)
	}
	return obj
}

// exists reports an error unless the object exists and the simulation is its controller.
func ownedBy(ns, name string, obj client.Object, sim *v1alpha1.CharacterSimulation) error {
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		return err
	}
	ref := metav1.GetControllerOf(obj)
	if ref == nil || ref.UID != sim.UID || ref.Kind != "CharacterSimulation" || ref.Name != sim.Name {
		return fmt.Errorf("%T %s controller = %+v, want the simulation %s", obj, name, ref, sim.UID)
	}
	return nil
}

// retainedFor reports an error unless the object exists, labelled with the
// simulation, without any owner: it outlives the simulation.
func retainedFor(ns, name string, obj client.Object, sim *v1alpha1.CharacterSimulation) error {
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		return err
	}
	if refs := obj.GetOwnerReferences(); len(refs) > 0 {
		return fmt.Errorf("%T %s has owners %+v, want none", obj, name, refs)
	}
	if got := obj.GetLabels()[resources.LabelSimulation]; got != sim.Name {
		return fmt.Errorf("%T %s simulation label = %q, want %q", obj, name, got, sim.Name)
	}
	return nil
}

// gone reports an error while the object still exists.
func gone(ns, name string, obj client.Object) error {
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%T %s still exists", obj, name)
}

// markStatefulSetReady plays the StatefulSet controller: all wanted replicas
// are updated and ready for the current generation.
func markStatefulSetReady(t *testing.T, ns, name string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sts := get(t, ns, name, &appsv1.StatefulSet{})
		n := ptr.Deref(sts.Spec.Replicas, 1)
		sts.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: sts.Generation, Replicas: n, ReadyReplicas: n,
			CurrentReplicas: n, UpdatedReplicas: n, AvailableReplicas: n,
		}
		return k8s.Status().Update(context.Background(), sts)
	})
	if err != nil {
		t.Fatalf("mark StatefulSet %s ready: %v", name, err)
	}
}

// setDeploymentAvailable plays the Deployment controller with the given
// number of available replicas.
func setDeploymentAvailable(t *testing.T, ns, name string, available int32) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d := get(t, ns, name, &appsv1.Deployment{})
		n := ptr.Deref(d.Spec.Replicas, 1)
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n,
			ReadyReplicas: available, AvailableReplicas: available, UnavailableReplicas: n - available,
		}
		return k8s.Status().Update(context.Background(), d)
	})
	if err != nil {
		t.Fatalf("set Deployment %s status: %v", name, err)
	}
}

// markAllReady makes every workload of the simulation ready: the StatefulSet
// of each managed store, the MCP server and the bot.
func markAllReady(t *testing.T, sim *v1alpha1.CharacterSimulation) {
	t.Helper()
	for _, v := range resources.DataVolumes(sim) {
		markStatefulSetReady(t, sim.Namespace, v.StatefulSet)
	}
	setDeploymentAvailable(t, sim.Namespace, resources.MCPServerName(sim.Name), 1)
	if sim.Spec.DiscordBot != nil {
		setDeploymentAvailable(t, sim.Namespace, resources.DiscordBotName(sim.Name), 1)
	}
}

// simulationStatus waits for the simulation's status to match check.
func waitForStatus(t *testing.T, sim *v1alpha1.CharacterSimulation, what string, check func(v1alpha1.CharacterSimulationStatus) error) {
	t.Helper()
	eventually(t, what, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(sim), sim); err != nil {
			return err
		}
		if sim.Status.ObservedGeneration != sim.Generation {
			return fmt.Errorf("status describes generation %d, spec is %d", sim.Status.ObservedGeneration, sim.Generation)
		}
		return check(sim.Status)
	})
}

func phaseIs(phase v1alpha1.Phase) func(v1alpha1.CharacterSimulationStatus) error {
	return func(s v1alpha1.CharacterSimulationStatus) error {
		if s.Phase != phase {
			return fmt.Errorf("phase %q, want %q", s.Phase, phase)
		}
		return nil
	}
}

// listEvents lists the Events about objects in the namespace.
func listEvents(t *testing.T, ns string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatalf("list events: %v", err)
	}
	return list.Items
}

// reconcileCount is how many reconciles all CharacterSimulation controllers
// of this process have finished, from controller-runtime's own metric.
func reconcileCount(t *testing.T) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "charactersimulation" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

func quantity(s string) resource.Quantity { return resource.MustParse(s) }

package install

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mojin/charsim/internal/testenv"
)

// fieldOwner is the server-side apply manager of every dry run here.
const fieldOwner = "charsim-install-test"

// apiServer is one real kube-apiserver (envtest) shared by the tests of this
// package, started on first use: the lint and schema tests do not need it.
type apiServer struct {
	client client.Client
	// warnings collects the API server's warnings (Pod Security "would
	// violate", deprecated APIs): an install that draws one is a defect.
	warnings *warningRecorder
	// kubeconfig is a file with admin credentials, for helm.
	kubeconfig string
}

var (
	sharedOnce sync.Once
	sharedEnv  *envtest.Environment
	shared     *apiServer
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedEnv != nil {
		if err := sharedEnv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop envtest:", err)
		}
	}
	if shared != nil {
		_ = os.RemoveAll(filepath.Dir(shared.kubeconfig))
	}
	os.Exit(code)
}

// cluster returns the shared API server, starting it the first time.
func cluster(t *testing.T) *apiServer {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real kube-apiserver (envtest); skipped under -short")
	}
	sharedOnce.Do(func() { shared, sharedErr = startAPIServer() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func startAPIServer() (*apiServer, error) {
	env, err := testenv.New()
	if err != nil {
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	sharedEnv = env
	warnings := &warningRecorder{}
	cfg.WarningHandlerWithContext = warnings
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return nil, fmt.Errorf("client for envtest: %w", err)
	}
	admin, err := env.AddUser(envtest.User{Name: "install-test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("add envtest admin user: %w", err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("admin kubeconfig: %w", err)
	}
	dir, err := os.MkdirTemp("", "charsim-install-test-")
	if err != nil {
		return nil, fmt.Errorf("kubeconfig dir: %w", err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	return &apiServer{client: c, warnings: warnings, kubeconfig: path}, nil
}

// warningRecorder keeps the warnings the API server returns.
type warningRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// take returns the warnings since the last call and forgets them.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := w.seen
	w.seen = nil
	return seen
}

// createRestrictedNamespace really creates a namespace where Pod Security
// "restricted" is enforced (and warned about, so a Deployment whose template
// breaks it draws a warning), as an install's target namespace.
func (s *apiServer) createRestrictedNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	}}}
	if err := s.client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// dryRunApply server-side applies every object with dryRun=All: the API
// server validates each against its schema (unknown fields are errors under
// apply), defaults it and runs admission, and stores nothing.
func (s *apiServer) dryRunApply(t *testing.T, objects []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	s.warnings.take()
	for _, o := range objects {
		err := s.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
			client.DryRunAll, client.FieldOwner(fieldOwner), client.ForceOwnership)
		if err != nil {
			t.Errorf("dry-run apply %s %s: %v", o.GetKind(), objectKey(o), err)
		}
		if w := s.warnings.take(); len(w) > 0 {
			t.Errorf("dry-run apply %s %s: API server warnings: %s", o.GetKind(), objectKey(o), strings.Join(w, "; "))
		}
	}
}

// dryRunPodOf creates (dryRun=All) a Pod from the Deployment's template in the
// Deployment's namespace, so Pod Security admission enforces "restricted" on
// it: for a Deployment it only warns. A second Pod stripped of its security
// contexts must be refused, proving that the namespace really enforces.
func (s *apiServer) dryRunPodOf(t *testing.T, deployment *appsv1.Deployment) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        deployment.Name + "-template",
			Namespace:   deployment.Namespace,
			Labels:      deployment.Spec.Template.Labels,
			Annotations: deployment.Spec.Template.Annotations,
		},
		Spec: *deployment.Spec.Template.Spec.DeepCopy(),
	}
	if err := s.client.Create(ctx, pod, client.DryRunAll); err != nil {
		t.Errorf("pod from Deployment %s in a Pod Security restricted namespace: %v", deployment.Name, err)
	}

	insecure := pod.DeepCopy()
	insecure.Name += "-insecure"
	insecure.Spec.SecurityContext = nil
	for i := range insecure.Spec.Containers {
		insecure.Spec.Containers[i].SecurityContext = nil
	}
	err := s.client.Create(ctx, insecure, client.DryRunAll)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "PodSecurity") {
		t.Errorf("namespace %s does not enforce Pod Security: a pod without security contexts got %v", deployment.Namespace, err)
	}
}

func objectKey(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetName()
}

// createPriorityClass really creates a PriorityClass, which the Priority
// admission plugin looks up when a pod names it.
func (s *apiServer) createPriorityClass(t *testing.T, name string) {
	t.Helper()
	class := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: 1000}
	if err := s.client.Create(context.Background(), class); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create PriorityClass %s: %v", name, err)
	}
}

// apply really server-side applies one object.
func (s *apiServer) apply(t *testing.T, object *unstructured.Unstructured) {
	t.Helper()
	err := s.client.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(object.DeepCopy()),
		client.FieldOwner(fieldOwner), client.ForceOwnership)
	if err != nil {
		t.Fatalf("apply %s %s: %v", object.GetKind(), objectKey(object), err)
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/controllers"
	"github.com/mojin/charsim/internal/testenv"
)

// operatorUser is the identity the manager (and the baseline) act as: bound
// to the manager's generated ClusterRole, so the benchmark also proves the
// role is enough.
const operatorUser = "system:serviceaccount:charsim-system:charsim-operator"

// controlPlane is a fresh envtest API server and etcd with the CRDs, the
// operator's RBAC and a counting proxy that forwards as the operator.
type controlPlane struct {
	env   *envtest.Environment
	admin client.WithWatch
	proxy *countingProxy
	// operator is a client through the proxy, as the operator.
	operator client.Client
}

func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, v1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// unthrottled drops client-go's client-side rate limit, as the manager does
// (controller-runtime leaves throttling to API priority and fairness).
func unthrottled(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

func startControlPlane(ctx context.Context) (*controlPlane, error) {
	env, err := testenv.New()
	if err != nil {
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	cp := &controlPlane{env: env}
	if err := cp.setUp(ctx, cfg); err != nil {
		_ = cp.stop()
		return nil, err
	}
	return cp, nil
}

func (cp *controlPlane) setUp(ctx context.Context, cfg *rest.Config) error {
	scheme, err := newScheme()
	if err != nil {
		return err
	}
	if cp.admin, err = client.NewWithWatch(unthrottled(cfg), client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	if err := cp.grantOperatorRole(ctx); err != nil {
		return err
	}
	user, err := cp.env.AddUser(envtest.User{Name: operatorUser}, cfg)
	if err != nil {
		return fmt.Errorf("add the operator user: %w", err)
	}
	if cp.proxy, err = startCountingProxy(user.Config()); err != nil {
		return err
	}
	if cp.operator, err = client.New(unthrottled(&rest.Config{Host: cp.proxy.URL()}), client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("operator client: %w", err)
	}
	return nil
}

// grantOperatorRole installs config/rbac/role.yaml (generated from the
// reconciler's RBAC markers) and binds it to the operator user.
func (cp *controlPlane) grantOperatorRole(ctx context.Context) error {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		return fmt.Errorf("read the manager role: %w", err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(raw, role); err != nil {
		return fmt.Errorf("decode config/rbac/role.yaml: %w", err)
	}
	if err := cp.admin.Create(ctx, role); err != nil {
		return fmt.Errorf("create ClusterRole %s: %w", role.Name, err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "charsim-operator"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: operatorUser}},
	}
	if err := cp.admin.Create(ctx, binding); err != nil {
		return fmt.Errorf("bind the manager role: %w", err)
	}
	return nil
}

// writeProxyKubeconfig writes a kubeconfig that reaches the API server
// through the proxy, as the operator.
func (cp *controlPlane) writeProxyKubeconfig(path string) error {
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: envtest, cluster: {server: %q}}]
users: [{name: operator, user: {}}]
contexts: [{name: envtest, context: {cluster: envtest, user: operator}}]
current-context: envtest
`, cp.proxy.URL())
	return os.WriteFile(path, []byte(kubeconfig), 0o600)
}

// prepareNamespace creates the namespace and the user Secrets every
// simulation references, and returns their resourceVersions by name.
func (cp *controlPlane) prepareNamespace(ctx context.Context, namespace string) (map[string]string, error) {
	if err := cp.admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", namespace, err)
	}
	versions := map[string]string{}
	for name, data := range userSecrets {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, StringData: data}
		if err := cp.admin.Create(ctx, s); err != nil {
			return nil, fmt.Errorf("create Secret %s: %w", name, err)
		}
		versions[name] = s.ResourceVersion
	}
	return versions, nil
}

func (cp *controlPlane) stop() error {
	if cp.proxy != nil {
		_ = cp.proxy.Close()
	}
	return cp.env.Stop()
}

// concurrency is how many simulations the manager reconciles at once; the
// baseline writes with the same number of workers.
const concurrency = controllers.MaxConcurrentReconciles

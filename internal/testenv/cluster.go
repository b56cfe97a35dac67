package testenv

import (
	"fmt"
	"os"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Cluster is a running envtest API server (see New) and a client of it.
type Cluster struct {
	// Config reaches the API server as an administrator.
	Config *rest.Config
	// Scheme holds the types registered by Start's addToScheme functions.
	Scheme *runtime.Scheme
	// Client talks to the API server directly, without a cache, so that
	// tests see exactly what is stored.
	Client client.Client

	env *envtest.Environment
}

// Start starts an API server with every CRD installed and a client whose
// scheme holds the types each addToScheme registers.
func Start(addToScheme ...func(*runtime.Scheme) error) (*Cluster, error) {
	scheme := runtime.NewScheme()
	for _, add := range addToScheme {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("build the scheme: %w", err)
		}
	}
	env, err := New()
	if err != nil {
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("client for envtest: %w", err)
	}
	return &Cluster{Config: cfg, Scheme: scheme, Client: c, env: env}, nil
}

// Stop stops the API server and etcd.
func (c *Cluster) Stop() error {
	if err := c.env.Stop(); err != nil {
		return fmt.Errorf("stop envtest: %w", err)
	}
	return nil
}

// Main is the body of TestMain for a package whose tests share one API
// server: it starts the cluster, hands it to setup (which keeps what the
// tests need and may create shared objects), runs the tests and stops the
// cluster. It returns the exit code for os.Exit; a cluster that cannot start
// or be set up fails the package.
func Main(m *testing.M, addToScheme []func(*runtime.Scheme) error, setup func(*Cluster) error) int {
	cluster, err := Start(addToScheme...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	if err := setup(cluster); err != nil {
		fmt.Fprintln(os.Stderr, "set up the envtest cluster:", err)
		return 1
	}
	return m.Run()
}

//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// suite is the cluster, release and operator every test shares. The tests
// run one after another: one of them restarts the operator.
var suite *environment

type environment struct {
	settings
	cfg       *rest.Config
	client    client.Client
	clientset kubernetes.Interface
	// runID makes this run's namespaces and release unique on the cluster.
	runID             string
	operatorNamespace string
	release           string
	installed         bool
	operator          operator
}

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) (code int) {
	env, err := setUp()
	if env != nil {
		defer func() { env.tearDown(code != 0) }()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: set up: %v\n", err)
		return 1
	}
	suite = env
	return m.Run()
}

// setUp installs the chart into a fresh namespace and starts the operator.
// On error it returns what it made so far, for tearDown.
func setUp() (*environment, error) {
	s, err := settingsFromEnv()
	if err != nil {
		return nil, err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig (KUBECONFIG): %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create clientset: %w", err)
	}
	runID := rand.String(5)
	env := &environment{
		settings: s, cfg: cfg, client: c, clientset: clientset, runID: runID,
		operatorNamespace: "charsim-e2e-" + runID,
		release:           "charsim-operator-e2e-" + runID,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := env.refuseOtherOperators(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "e2e: operator %s, release %s in namespace %s\n", s.mode, env.release, env.operatorNamespace)
	if err := createRestrictedNamespace(ctx, c, env.operatorNamespace); err != nil {
		return env, err
	}
	if err := env.installChart(ctx); err != nil {
		return env, err
	}
	if s.mode == modeInCluster {
		env.operator = newDeployedOperator(env)
		return env, nil
	}
	local, err := startLocalOperator(ctx, env)
	if local != nil {
		env.operator = local
	}
	return env, err
}

// tearDown stops the operator and removes the release and the namespaces,
// unless CHARSIM_E2E_KEEP asks to keep them. After a failure it shows the end
// of the operator's log first.
func (e *environment) tearDown(failed bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if e.operator != nil {
		if failed {
			fmt.Fprintf(os.Stderr, "e2e: end of the operator's log:\n%s\n", e.operator.logTail(ctx, 60))
		}
		if err := e.operator.stop(failed); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: stop the operator: %v\n", err)
		}
	}
	if e.keep {
		fmt.Fprintf(os.Stderr, "e2e: CHARSIM_E2E_KEEP=1: kept release %s and the namespaces of run %s\n", e.release, e.runID)
		return
	}
	var errs []error
	if e.installed {
		errs = append(errs, e.uninstallChart(ctx))
	}
	errs = append(errs, deleteNamespace(ctx, e.client, e.operatorNamespace))
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: tear down: %v\n", err)
	}
}

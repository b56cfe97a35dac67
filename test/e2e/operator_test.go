//go:build e2e

package e2e

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// operator is the charsim manager under test, however it runs.
type operator interface {
	// kill stops it abruptly, the way a crash or a node loss does: no
	// graceful shutdown, no lease released.
	kill(ctx context.Context) error
	// start brings it back after kill and returns once it is ready.
	start(ctx context.Context) error
	// stop shuts it down gracefully at the end of the suite; keepLog keeps
	// a local log file for a look after a failure.
	stop(keepLog bool) error
	// logTail returns the last lines of its log, for a failed run.
	logTail(ctx context.Context, lines int64) string
}

// releaseObject finds the one object of the release of the given list type
// (ServiceAccount, Deployment) by the chart's instance label, so the suite
// need not know how the chart names things.
func (e *environment) releaseObject(ctx context.Context, list client.ObjectList) error {
	err := e.client.List(ctx, list, client.InNamespace(e.operatorNamespace),
		client.MatchingLabels{"app.kubernetes.io/instance": e.release})
	if err != nil {
		return fmt.Errorf("list the release's %T: %w", list, err)
	}
	return nil
}

// operatorDeployment is the release's Deployment.
func (e *environment) operatorDeployment(ctx context.Context) (*appsv1.Deployment, error) {
	var list appsv1.DeploymentList
	if err := e.releaseObject(ctx, &list); err != nil {
		return nil, err
	}
	if len(list.Items) != 1 {
		return nil, fmt.Errorf("release %s has %d Deployments, want 1", e.release, len(list.Items))
	}
	return &list.Items[0], nil
}

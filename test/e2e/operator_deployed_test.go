//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// deployedOperator is the chart's Deployment running the operator image
// (kind, a real cluster). helm install --wait already saw it ready.
type deployedOperator struct {
	e      *environment
	killed []types.UID
}

func newDeployedOperator(e *environment) *deployedOperator { return &deployedOperator{e: e} }

// pods lists the operator's pods by the Deployment's selector.
func (o *deployedOperator) pods(ctx context.Context) ([]corev1.Pod, error) {
	d, err := o.e.operatorDeployment(ctx)
	if err != nil {
		return nil, err
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("operator selector: %w", err)
	}
	var pods corev1.PodList
	err = o.e.client.List(ctx, &pods, client.InNamespace(o.e.operatorNamespace), client.MatchingLabelsSelector{Selector: selector})
	if err != nil {
		return nil, fmt.Errorf("list operator pods: %w", err)
	}
	return pods.Items, nil
}

// kill deletes the operator's pods with no grace period, as a node loss
// would; the Deployment starts new ones.
func (o *deployedOperator) kill(ctx context.Context) error {
	pods, err := o.pods(ctx)
	if err != nil {
		return err
	}
	for i := range pods {
		if err := o.e.client.Delete(ctx, &pods[i], client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete operator pod %s: %w", pods[i].Name, err)
		}
		o.killed = append(o.killed, pods[i].UID)
	}
	return nil
}

// start waits for a replacement pod to be Ready.
func (o *deployedOperator) start(ctx context.Context) error {
	return poll(ctx, 3*time.Minute, "a new operator pod to be Ready", func(ctx context.Context) (string, bool, error) {
		pods, err := o.pods(ctx)
		if err != nil {
			return err.Error(), false, nil
		}
		var states []string
		for _, p := range pods {
			fresh := !slices.Contains(o.killed, p.UID) && p.DeletionTimestamp == nil
			if fresh && podReady(&p) {
				return "", true, nil
			}
			states = append(states, fmt.Sprintf("%s %s fresh=%t", p.Name, p.Status.Phase, fresh))
		}
		return strings.Join(states, ", "), false, nil
	})
}

// stop leaves the Deployment to helm uninstall.
func (o *deployedOperator) stop(bool) error { return nil }

func (o *deployedOperator) logTail(ctx context.Context, lines int64) string {
	pods, err := o.pods(ctx)
	if err != nil {
		return err.Error()
	}
	return podLogTails(ctx, o.e.clientset, pods, lines)
}

// podLogTails returns the last lines of each pod's log, under its name.
func podLogTails(ctx context.Context, clientset kubernetes.Interface, pods []corev1.Pod, lines int64) string {
	var b strings.Builder
	for _, p := range pods {
		logs, err := clientset.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{TailLines: ptr.To(lines)}).DoRaw(ctx)
		if err != nil {
			fmt.Fprintf(&b, "--- %s: %v\n", p.Name, err)
			continue
		}
		fmt.Fprintf(&b, "--- %s\n%s", p.Name, logs)
	}
	return b.String()
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

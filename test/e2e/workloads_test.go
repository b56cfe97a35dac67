//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// workloadsSettled is done when every StatefulSet and Deployment of the
// simulation has finished rolling out: its controller saw the latest spec,
// and exactly the wanted number of pods exist, all of the latest template,
// Running and Ready.
func workloadsSettled(sim *v1alpha1.CharacterSimulation) check {
	return func(ctx context.Context) (string, bool, error) {
		inSim := []client.ListOption{client.InNamespace(sim.Namespace), client.MatchingLabels{resources.LabelSimulation: sim.Name}}
		var sets appsv1.StatefulSetList
		var deployments appsv1.DeploymentList
		if err := suite.client.List(ctx, &sets, inSim...); err != nil {
			return err.Error(), false, nil
		}
		if err := suite.client.List(ctx, &deployments, inSim...); err != nil {
			return err.Error(), false, nil
		}
		if len(sets.Items) == 0 && len(deployments.Items) == 0 {
			return "no workloads yet", false, nil
		}
		var waiting []string
		for i := range sets.Items {
			if state := statefulSetState(ctx, &sets.Items[i]); state != "" {
				waiting = append(waiting, state)
			}
		}
		for i := range deployments.Items {
			if state := deploymentState(ctx, &deployments.Items[i]); state != "" {
				waiting = append(waiting, state)
			}
		}
		return strings.Join(waiting, "; "), len(waiting) == 0, nil
	}
}

// statefulSetState says why the StatefulSet has not settled, or "" when it has.
func statefulSetState(ctx context.Context, s *appsv1.StatefulSet) string {
	want := ptr.Deref(s.Spec.Replicas, 1)
	st := s.Status
	if st.ObservedGeneration < s.Generation || st.Replicas != want || st.ReadyReplicas != want ||
		st.UpdatedReplicas != want || st.CurrentRevision != st.UpdateRevision {
		return fmt.Sprintf("StatefulSet %s: generation %d observed %d, %d replicas %d ready %d updated of %d, revision %s → %s",
			s.Name, s.Generation, st.ObservedGeneration, st.Replicas, st.ReadyReplicas, st.UpdatedReplicas, want, st.CurrentRevision, st.UpdateRevision)
	}
	return podsState(ctx, "StatefulSet "+s.Name, s.Namespace, s.Spec.Selector, want, appsv1.ControllerRevisionHashLabelKey, st.UpdateRevision)
}

// deploymentState says why the Deployment has not settled, or "" when it has.
func deploymentState(ctx context.Context, d *appsv1.Deployment) string {
	want := ptr.Deref(d.Spec.Replicas, 1)
	st := d.Status
	if st.ObservedGeneration < d.Generation || st.Replicas != want || st.UpdatedReplicas != want || st.AvailableReplicas != want {
		return fmt.Sprintf("Deployment %s: generation %d observed %d, %d replicas %d updated %d available of %d",
			d.Name, d.Generation, st.ObservedGeneration, st.Replicas, st.UpdatedReplicas, st.AvailableReplicas, want)
	}
	newest, err := newestReplicaSet(ctx, d)
	if err != nil {
		return err.Error()
	}
	return podsState(ctx, "Deployment "+d.Name, d.Namespace, d.Spec.Selector, want,
		appsv1.DefaultDeploymentUniqueLabelKey, newest.Labels[appsv1.DefaultDeploymentUniqueLabelKey])
}

// podsState checks the workload has exactly want pods, all Running, Ready,
// not terminating, and of the template whose hash label is hash.
func podsState(ctx context.Context, workload, namespace string, selector *metav1.LabelSelector, want int32, hashLabel, hash string) string {
	pods, err := podsOf(ctx, namespace, selector)
	if err != nil {
		return err.Error()
	}
	var wrong []string
	for _, p := range pods {
		if p.Status.Phase != corev1.PodRunning || !podReady(&p) || p.DeletionTimestamp != nil || p.Labels[hashLabel] != hash {
			wrong = append(wrong, fmt.Sprintf("%s %s ready=%t terminating=%t template=%s", p.Name, p.Status.Phase,
				podReady(&p), p.DeletionTimestamp != nil, p.Labels[hashLabel]))
		}
	}
	if len(pods) != int(want) || len(wrong) > 0 {
		return fmt.Sprintf("%s: %d pods of %d wanted (template %s); not there yet: %s", workload, len(pods), want, hash, strings.Join(wrong, ", "))
	}
	return ""
}

func podsOf(ctx context.Context, namespace string, selector *metav1.LabelSelector) ([]corev1.Pod, error) {
	s, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	var pods corev1.PodList
	if err := suite.client.List(ctx, &pods, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: s}); err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	return pods.Items, nil
}

// replicaSetsOf lists the ReplicaSets the Deployment controls.
func replicaSetsOf(ctx context.Context, d *appsv1.Deployment) ([]appsv1.ReplicaSet, error) {
	s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	var list appsv1.ReplicaSetList
	if err := suite.client.List(ctx, &list, client.InNamespace(d.Namespace), client.MatchingLabelsSelector{Selector: s}); err != nil {
		return nil, fmt.Errorf("list ReplicaSets: %w", err)
	}
	var owned []appsv1.ReplicaSet
	for _, rs := range list.Items {
		if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == d.UID {
			owned = append(owned, rs)
		}
	}
	return owned, nil
}

// newestReplicaSet is the ReplicaSet of the Deployment's current template:
// the one with the highest revision.
func newestReplicaSet(ctx context.Context, d *appsv1.Deployment) (*appsv1.ReplicaSet, error) {
	sets, err := replicaSetsOf(ctx, d)
	if err != nil {
		return nil, err
	}
	var newest *appsv1.ReplicaSet
	for i := range sets {
		if newest == nil || revision(&sets[i]) > revision(newest) {
			newest = &sets[i]
		}
	}
	if newest == nil {
		return nil, fmt.Errorf("Deployment %s has no ReplicaSet yet", d.Name)
	}
	return newest, nil
}

func revision(rs *appsv1.ReplicaSet) int {
	// A missing or malformed annotation counts as the oldest revision.
	n, _ := strconv.Atoi(rs.Annotations["deployment.kubernetes.io/revision"])
	return n
}

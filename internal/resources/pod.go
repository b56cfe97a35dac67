package resources

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// User IDs the pods run as: the images' own unprivileged users.
const (
	postgresUID int64 = 999
	redisUID    int64 = 999
	qdrantUID   int64 = 1000
	charsimUID  int64 = 65532
)

// podParams is what differs between the components' pod templates.
type podParams struct {
	component      string
	uid            int64
	serviceAccount string // empty: the namespace's default ServiceAccount
	scheduling     v1alpha1.PodScheduling
	containers     []*corev1ac.ContainerApplyConfiguration
	volumes        []*corev1ac.VolumeApplyConfiguration
	// secretVersions are the versions of the user Secrets the pods read;
	// only components that read user Secrets need them.
	secretVersions SecretVersions
}

// podTemplate builds a pod template that meets Pod Security "restricted",
// never mounts an API token (no component talks to the API server) and does
// not inject service-link variables that could shadow real configuration.
// When the pods read user Secrets, the template carries the hash of their
// versions, so a changed Secret rolls the pods.
func podTemplate(sim *v1alpha1.CharacterSimulation, field string, p podParams) (*corev1ac.PodTemplateSpecApplyConfiguration, error) {
	spec := corev1ac.PodSpec().
		WithAutomountServiceAccountToken(false).
		WithEnableServiceLinks(false).
		WithSecurityContext(corev1ac.PodSecurityContext().
			WithRunAsNonRoot(true).
			WithRunAsUser(p.uid).
			WithRunAsGroup(p.uid).
			WithFSGroup(p.uid).
			WithFSGroupChangePolicy(corev1.FSGroupChangeOnRootMismatch).
			WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))).
		WithContainers(p.containers...).
		WithVolumes(p.volumes...)
	if p.serviceAccount != "" {
		spec.WithServiceAccountName(p.serviceAccount)
	}
	if err := schedule(spec, field, p.scheduling); err != nil {
		return nil, err
	}
	template := corev1ac.PodTemplateSpec().
		WithLabels(Labels(sim, p.component)).
		WithSpec(spec)
	if hash := secretsHash(sim, p); hash != "" {
		template.WithAnnotations(map[string]string{AnnotationSecretsHash: hash})
	}
	return template, nil
}

// schedule copies node selector, tolerations and affinity from the spec.
// field names the spec path for error messages.
func schedule(spec *corev1ac.PodSpecApplyConfiguration, field string, s v1alpha1.PodScheduling) error {
	if len(s.NodeSelector) > 0 {
		spec.WithNodeSelector(s.NodeSelector)
	}
	for i := range s.Tolerations {
		t := &corev1ac.TolerationApplyConfiguration{}
		if err := convert(&s.Tolerations[i], t); err != nil {
			return fmt.Errorf("%s.tolerations[%d]: %w", field, i, err)
		}
		spec.WithTolerations(t)
	}
	if s.Affinity != nil {
		a := &corev1ac.AffinityApplyConfiguration{}
		if err := convert(s.Affinity, a); err != nil {
			return fmt.Errorf("%s.affinity: %w", field, err)
		}
		spec.WithAffinity(a)
	}
	return nil
}

// convert turns an API struct into its apply configuration. Both share one
// JSON shape (that is how apply configurations are defined), and the typed
// struct's omitempty tags keep unset fields out of the operator's intent.
func convert(in, out any) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode as apply configuration: %w", err)
	}
	return nil
}

// labelSelector is a matchLabels selector.
func labelSelector(labels map[string]string) *metav1ac.LabelSelectorApplyConfiguration {
	return metav1ac.LabelSelector().WithMatchLabels(labels)
}

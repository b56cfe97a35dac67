package resources

import (
	corev1 "k8s.io/api/core/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// appParams is what differs between charsim's own programs (the MCP server,
// the Discord bot), which both run as a Deployment of one container with its
// own ServiceAccount, a writable /tmp and HTTP probes on one named port.
type appParams struct {
	component  string
	name       string // Deployment and ServiceAccount
	field      string // spec path, for error messages
	image      string
	port       int32
	portName   string
	readyPath  string // the readiness probe's path; liveness is always /healthz
	env        []*corev1ac.EnvVarApplyConfiguration
	resources  corev1.ResourceRequirements
	scheduling v1alpha1.PodScheduling
	replicas   int32
	// strategy replaces the default rolling update when set.
	strategy *appsv1ac.DeploymentStrategyApplyConfiguration
}

func appDeployment(sim *v1alpha1.CharacterSimulation, p appParams, secrets SecretVersions) (*appsv1ac.DeploymentApplyConfiguration, error) {
	container := corev1ac.Container().
		WithName(p.component).
		WithImage(p.image).
		WithPorts(containerPort(p.portName, p.port)).
		WithEnv(p.env...).
		WithResources(resources(p.resources)).
		WithSecurityContext(restrictedContainerSecurityContext()).
		WithVolumeMounts(mount(volumeTmp, "/tmp")).
		WithReadinessProbe(httpProbe(p.readyPath, p.portName).WithPeriodSeconds(10)).
		WithLivenessProbe(httpProbe("/healthz", p.portName).WithPeriodSeconds(10).WithFailureThreshold(6))
	pod, err := podTemplate(sim, p.field, podParams{
		component:      p.component,
		uid:            charsimUID,
		serviceAccount: p.name,
		scheduling:     p.scheduling,
		containers:     []*corev1ac.ContainerApplyConfiguration{container},
		volumes:        []*corev1ac.VolumeApplyConfiguration{emptyDir(volumeTmp)},
		secretVersions: secrets,
	})
	if err != nil {
		return nil, err
	}
	spec := appsv1ac.DeploymentSpec().
		WithReplicas(replicas(sim, p.replicas)).
		WithSelector(labelSelector(SelectorLabels(sim, p.component))).
		WithTemplate(pod)
	if p.strategy != nil {
		spec.WithStrategy(p.strategy)
	}
	return appsv1ac.Deployment(p.name, sim.Namespace).
		WithLabels(Labels(sim, p.component)).
		WithOwnerReferences(ownerReference(sim)).
		WithSpec(spec), nil
}

// imageOr is the image the spec names, or the operator's default for it.
func imageOr(image, operatorDefault string) string {
	if image == "" {
		return operatorDefault
	}
	return image
}

package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// volumeTmp is the scratch volume every container mounts at /tmp.
const volumeTmp = "tmp"

// envValue is a plain (non-secret) environment variable.
func envValue(name, value string) *corev1ac.EnvVarApplyConfiguration {
	return corev1ac.EnvVar().WithName(name).WithValue(value)
}

// envSecret reads an environment variable from a Secret key, so the value is
// never part of the pod spec.
func envSecret(name, secret, key string) *corev1ac.EnvVarApplyConfiguration {
	return corev1ac.EnvVar().WithName(name).WithValueFrom(
		corev1ac.EnvVarSource().WithSecretKeyRef(
			corev1ac.SecretKeySelector().WithName(secret).WithKey(key)))
}

// envSecretRef is envSecret for a user-supplied SecretKeyRef.
func envSecretRef(name string, ref v1alpha1.SecretKeyRef) *corev1ac.EnvVarApplyConfiguration {
	return envSecret(name, ref.Name, ref.Key)
}

func containerPort(name string, port int32) *corev1ac.ContainerPortApplyConfiguration {
	return corev1ac.ContainerPort().WithName(name).WithContainerPort(port).WithProtocol(corev1.ProtocolTCP)
}

// httpProbe probes a path on a named container port.
func httpProbe(path, port string) *corev1ac.ProbeApplyConfiguration {
	return corev1ac.Probe().WithHTTPGet(
		corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString(port)))
}

// execProbe runs a command in the container.
func execProbe(command ...string) *corev1ac.ProbeApplyConfiguration {
	return corev1ac.Probe().WithExec(corev1ac.ExecAction().WithCommand(command...))
}

// resources copies a component's resource requirements from the spec.
func resources(r corev1.ResourceRequirements) *corev1ac.ResourceRequirementsApplyConfiguration {
	out := corev1ac.ResourceRequirements()
	if len(r.Requests) > 0 {
		out.WithRequests(r.Requests)
	}
	if len(r.Limits) > 0 {
		out.WithLimits(r.Limits)
	}
	return out
}

// restrictedContainerSecurityContext is the container half of the Pod
// Security "restricted" profile, plus a read-only root filesystem.
func restrictedContainerSecurityContext() *corev1ac.SecurityContextApplyConfiguration {
	return corev1ac.SecurityContext().
		WithAllowPrivilegeEscalation(false).
		WithCapabilities(corev1ac.Capabilities().WithDrop("ALL")).
		WithReadOnlyRootFilesystem(true).
		WithRunAsNonRoot(true)
}

// emptyDir is a scratch volume for a path the image writes to.
func emptyDir(name string) *corev1ac.VolumeApplyConfiguration {
	return corev1ac.Volume().WithName(name).WithEmptyDir(corev1ac.EmptyDirVolumeSource())
}

func mount(name, path string) *corev1ac.VolumeMountApplyConfiguration {
	return corev1ac.VolumeMount().WithName(name).WithMountPath(path)
}

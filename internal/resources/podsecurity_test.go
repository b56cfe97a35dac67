package resources

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// podTemplates returns every pod template among the objects, by owner name.
func podTemplates(t *testing.T, objs []Object) map[string]corev1.PodTemplateSpec {
	t.Helper()
	out := map[string]corev1.PodTemplateSpec{}
	for _, o := range objs {
		switch *o.GetKind() {
		case "StatefulSet":
			out[*o.GetName()] = statefulSet(t, objs, *o.GetName()).Spec.Template
		case "Deployment":
			out[*o.GetName()] = deployment(t, objs, *o.GetName()).Spec.Template
		}
	}
	return out
}

// TestPodsMeetRestrictedProfile checks, field by field, the Pod Security
// "restricted" profile (and the operator's own hardening: read-only root,
// no API token) on every pod template of every golden case.
func TestPodsMeetRestrictedProfile(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			pods := podTemplates(t, build(t, goldenSimulation(tc.mutate)))
			if len(pods) == 0 {
				t.Fatal("no pod templates")
			}
			for name, pod := range pods {
				checkRestricted(t, name, pod.Spec)
			}
		})
	}
}

func checkRestricted(t *testing.T, name string, spec corev1.PodSpec) {
	t.Helper()
	fail := func(format string, args ...any) { t.Errorf(name+": "+format, args...) }

	// Baseline profile.
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		fail("uses host namespaces")
	}
	for _, v := range spec.Volumes {
		// Restricted allows only these volume types.
		if v.EmptyDir == nil && v.Secret == nil && v.ConfigMap == nil && v.PersistentVolumeClaim == nil &&
			v.Projected == nil && v.DownwardAPI == nil && v.Ephemeral == nil && v.CSI == nil {
			fail("volume %s has a type restricted forbids", v.Name)
		}
	}

	psc := spec.SecurityContext
	if psc == nil {
		fail("no pod securityContext")
		return
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		fail("pod runAsNonRoot is not true")
	}
	if psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		fail("pod runAsUser is unset or 0")
	}
	if psc.FSGroup == nil {
		fail("pod fsGroup unset: volumes would not be writable by the user")
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		fail("pod seccompProfile is not RuntimeDefault")
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		fail("automountServiceAccountToken is not false")
	}

	containers := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, c := range containers {
		sc := c.SecurityContext
		if sc == nil {
			fail("container %s has no securityContext", c.Name)
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			fail("container %s is privileged", c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail("container %s allowPrivilegeEscalation is not false", c.Name)
		}
		if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) > 0 {
			fail("container %s capabilities = %+v, want drop [ALL] and nothing added", c.Name, sc.Capabilities)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			fail("container %s runs as root", c.Name)
		}
		if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot {
			fail("container %s overrides runAsNonRoot", c.Name)
		}
		if sc.SeccompProfile != nil && sc.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined {
			fail("container %s is unconfined", c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			fail("container %s root filesystem is writable", c.Name)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				fail("container %s uses hostPort %d", c.Name, p.HostPort)
			}
		}
		mounted := map[string]bool{}
		for _, m := range c.VolumeMounts {
			mounted[m.MountPath] = true
		}
		if !mounted["/tmp"] {
			fail("container %s has no writable /tmp", c.Name)
		}
	}
}

package install

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/mojin/charsim/internal/testenv"
)

func TestChartVersionFollowsVERSION(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), chartPath, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var chart struct {
		Version    string `json:"version"`
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(raw, &chart); err != nil {
		t.Fatalf("Chart.yaml: %v", err)
	}
	want := repoVersion(t)
	if chart.Version != want || chart.AppVersion != want {
		t.Errorf("Chart.yaml version %q, appVersion %q; want both %q (the VERSION file): %s", chart.Version, chart.AppVersion, want, syncHint)
	}
}

func TestHelmLint(t *testing.T) {
	h := newHelm(t)
	base := []string{"lint", chartPath, "--strict", "--kube-version", testenv.KubernetesVersion}
	for name, args := range map[string][]string{
		"default values": base,
		"custom values":  append(slices.Clone(base), "--values", customValues(t)),
	} {
		t.Run(name, func(t *testing.T) {
			out := run(t, h.env, h.bin, args...)
			if !strings.Contains(string(out), "0 chart(s) failed") {
				t.Errorf("helm lint:\n%s", out)
			}
		})
	}
}

func TestChartInstallsWithDefaultValues(t *testing.T) {
	const namespace = "charsim-defaults"
	objects := decodeManifests(t, newHelm(t).template(t, namespace))
	version := repoVersion(t)

	var deployment appsv1.Deployment
	onlyObject(t, objects, "Deployment", &deployment)
	if deployment.Name != helmRelease || deployment.Namespace != namespace || *deployment.Spec.Replicas != 1 {
		t.Errorf("Deployment %s/%s with %d replicas, want %s/%s with 1", deployment.Namespace, deployment.Name, *deployment.Spec.Replicas, namespace, helmRelease)
	}
	manager := managerContainer(t, &deployment)
	if want := "ghcr.io/mojin/charsim-operator:" + version; manager.Image != want {
		t.Errorf("image %q, want %q (the chart's appVersion)", manager.Image, want)
	}
	assertArgs(t, manager.Args,
		"--leader-elect",
		"--health-probe-bind-address=:8081",
		"--metrics-bind-address=:8443",
		"--mcp-server-image=ghcr.io/mojin/charsim-mcp-server:"+version,
		"--discord-bot-image=ghcr.io/mojin/charsim-discord-bot:"+version,
		"--operator-image=ghcr.io/mojin/charsim-operator:"+version,
	)
	assertProbesOnPort(t, manager, 8081)
	for _, kind := range []string{"ServiceMonitor", "NetworkPolicy"} {
		if found := objectsOfKind(objects, kind); len(found) != 0 {
			t.Errorf("default values rendered a %s; it is opt-in", kind)
		}
	}
	assertCRDsIncluded(t, objects)
	assertWiring(t, objects, &deployment)

	api := cluster(t)
	api.createRestrictedNamespace(t, namespace)
	api.dryRunApply(t, objects)
	api.dryRunPodOf(t, &deployment)
}

func TestChartInstallsWithCustomValues(t *testing.T) {
	const namespace = "charsim-custom"
	objects := decodeManifests(t, newHelm(t).template(t, namespace, customValues(t)))

	var deployment appsv1.Deployment
	onlyObject(t, objects, "Deployment", &deployment)
	for _, o := range objects {
		if o.GetKind() != "CustomResourceDefinition" && !strings.HasPrefix(o.GetName(), "custom-operator") {
			t.Errorf("%s %s does not start with fullnameOverride custom-operator", o.GetKind(), o.GetName())
		}
	}
	if *deployment.Spec.Replicas != 2 {
		t.Errorf("replicas %d, want 2", *deployment.Spec.Replicas)
	}
	pod := deployment.Spec.Template
	manager := managerContainer(t, &deployment)
	if manager.Image != "registry.example.com/charsim/operator:1.2.3" || manager.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("image %q pull policy %q, want registry.example.com/charsim/operator:1.2.3, Always", manager.Image, manager.ImagePullPolicy)
	}
	assertArgs(t, manager.Args,
		"--leader-elect",
		"--health-probe-bind-address=:9081",
		"--metrics-bind-address=:9443",
		"--metrics-cert-path="+metricsCertDir,
		// Without its own tag the MCP server image takes the operator's.
		"--mcp-server-image=registry.example.com/charsim/mcp-server:1.2.3",
		"--discord-bot-image=registry.example.com/charsim/discord-bot:9.9.9",
		// The backup Jobs run the operator's own image.
		"--operator-image=registry.example.com/charsim/operator:1.2.3",
		"--zap-log-level=debug",
	)
	assertProbesOnPort(t, manager, 9081)
	wantResources := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	if !equality.Semantic.DeepEqual(manager.Resources, wantResources) {
		t.Errorf("resources %v, want %v", manager.Resources, wantResources)
	}
	if pod.Spec.NodeSelector["kubernetes.io/os"] != "linux" || len(pod.Spec.Tolerations) != 1 ||
		pod.Spec.Tolerations[0].Key != "dedicated" || pod.Spec.Affinity == nil || pod.Spec.Affinity.NodeAffinity == nil {
		t.Errorf("scheduling not rendered: nodeSelector %v, tolerations %v, affinity %v", pod.Spec.NodeSelector, pod.Spec.Tolerations, pod.Spec.Affinity)
	}
	if pod.Spec.PriorityClassName != "charsim-install-test" || len(pod.Spec.ImagePullSecrets) != 1 || pod.Spec.ImagePullSecrets[0].Name != "regcred" {
		t.Errorf("priorityClassName %q, imagePullSecrets %v", pod.Spec.PriorityClassName, pod.Spec.ImagePullSecrets)
	}
	if pod.Labels["example.com/team"] != "platform" || pod.Annotations["example.com/scrape"] != "false" {
		t.Errorf("pod labels %v, annotations %v: podLabels/podAnnotations missing", pod.Labels, pod.Annotations)
	}
	assertMetricsCertMounted(t, &deployment, "charsim-metrics-tls")
	var account corev1.ServiceAccount
	onlyObject(t, objects, "ServiceAccount", &account)
	if account.Annotations["example.com/role"] != "operator" {
		t.Errorf("ServiceAccount annotations %v", account.Annotations)
	}
	var policy networkingv1.NetworkPolicy
	onlyObject(t, objects, "NetworkPolicy", &policy)
	if len(policy.Spec.Ingress) != 1 || len(policy.Spec.Ingress[0].Ports) != 1 || policy.Spec.Ingress[0].Ports[0].Port.IntValue() != 9443 ||
		policy.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "monitoring" {
		t.Errorf("NetworkPolicy ingress %+v, want port 9443 from namespace monitoring", policy.Spec.Ingress)
	}
	assertWiring(t, objects, &deployment)
	monitor := onlyObject(t, objects, "ServiceMonitor", nil)
	assertServiceMonitor(t, monitor, objects, namespace, "charsim-metrics-tls")

	api := cluster(t)
	api.createRestrictedNamespace(t, namespace)
	api.createPriorityClass(t, "charsim-install-test")
	// The ServiceMonitor CRD (prometheus-operator) is not installed on this
	// API server; assertServiceMonitor checked that object above.
	api.dryRunApply(t, without(objects, "ServiceMonitor"))
	api.dryRunPodOf(t, &deployment)
}

func managerContainer(t *testing.T, deployment *appsv1.Deployment) *corev1.Container {
	t.Helper()
	for i, c := range deployment.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return &deployment.Spec.Template.Spec.Containers[i]
		}
	}
	t.Fatalf("Deployment %s has no manager container", deployment.Name)
	return nil
}

// assertArgs checks that the manager's arguments are exactly want, in any order.
func assertArgs(t *testing.T, got []string, want ...string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("manager args\n got %q\nwant %q", got, want)
	}
}

// assertProbesOnPort checks that liveness and readiness probe the named port
// "health", and that it is the given container port.
func assertProbesOnPort(t *testing.T, manager *corev1.Container, port int32) {
	t.Helper()
	for name, probe := range map[string]*corev1.Probe{"liveness": manager.LivenessProbe, "readiness": manager.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Port.StrVal != "health" {
			t.Errorf("%s probe %+v, want an HTTP probe on port \"health\"", name, probe)
		}
	}
	for _, p := range manager.Ports {
		if p.Name == "health" && p.ContainerPort == port {
			return
		}
	}
	t.Errorf("container ports %+v, want health on %d", manager.Ports, port)
}

// assertCRDsIncluded checks that the render carries every CRD of config/.
func assertCRDsIncluded(t *testing.T, objects []*unstructured.Unstructured) {
	t.Helper()
	generated := generatedCRDs(t)
	rendered := objectsOfKind(objects, "CustomResourceDefinition")
	if len(rendered) != len(generated) {
		t.Errorf("rendered %d CRDs, config/crd/bases has %d", len(rendered), len(generated))
	}
}

// assertWiring checks the references between the rendered objects (of the
// chart or of kustomize): the Service and NetworkPolicies select the
// operator's pods, the bindings bind its ServiceAccount to rendered roles.
func assertWiring(t *testing.T, objects []*unstructured.Unstructured, deployment *appsv1.Deployment) {
	t.Helper()
	podLabels := labels.Set(deployment.Spec.Template.Labels)
	var service corev1.Service
	onlyObject(t, objects, "Service", &service)
	if !labels.SelectorFromSet(service.Spec.Selector).Matches(podLabels) {
		t.Errorf("metrics Service selector %v misses the operator pods %v", service.Spec.Selector, podLabels)
	}
	for _, o := range objectsOfKind(objects, "NetworkPolicy") {
		var policy networkingv1.NetworkPolicy
		if err := decodeInto(o.Object, &policy); err != nil {
			t.Fatal(err)
		}
		if !labels.SelectorFromSet(policy.Spec.PodSelector.MatchLabels).Matches(podLabels) {
			t.Errorf("NetworkPolicy %s selects %v, missing the operator pods %v", policy.Name, policy.Spec.PodSelector.MatchLabels, podLabels)
		}
	}
	account := onlyObject(t, objects, "ServiceAccount", nil)
	if deployment.Spec.Template.Spec.ServiceAccountName != account.GetName() {
		t.Errorf("pods run as %q, the chart creates ServiceAccount %q", deployment.Spec.Template.Spec.ServiceAccountName, account.GetName())
	}
	roles := map[string]bool{}
	for _, kind := range []string{"Role", "ClusterRole"} {
		for _, r := range objectsOfKind(objects, kind) {
			roles[kind+"/"+r.GetName()] = true
		}
	}
	for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
		for _, o := range objectsOfKind(objects, kind) {
			var binding rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
			if err := decodeInto(o.Object, &binding); err != nil {
				t.Fatal(err)
			}
			if !roles[binding.RoleRef.Kind+"/"+binding.RoleRef.Name] {
				t.Errorf("%s %s refers to %s %s, which the chart does not render", kind, o.GetName(), binding.RoleRef.Kind, binding.RoleRef.Name)
			}
			if len(binding.Subjects) != 1 || binding.Subjects[0].Name != account.GetName() || binding.Subjects[0].Namespace != account.GetNamespace() {
				t.Errorf("%s %s binds %+v, want ServiceAccount %s", kind, o.GetName(), binding.Subjects, objectKey(account))
			}
		}
	}
}

// assertServiceMonitor checks the ServiceMonitor against the metrics Service
// it must scrape, verifying its certificate with the CA in certSecret.
func assertServiceMonitor(t *testing.T, monitor *unstructured.Unstructured, objects []*unstructured.Unstructured, namespace, certSecret string) {
	t.Helper()
	var service corev1.Service
	onlyObject(t, objects, "Service", &service)
	var decoded struct {
		Spec struct {
			Endpoints []struct {
				Port, Scheme, Path, Interval, ScrapeTimeout, BearerTokenFile string
				TLSConfig                                                    struct {
					InsecureSkipVerify bool
					ServerName         string
					CA                 struct{ Secret corev1.SecretKeySelector }
				}
			}
			NamespaceSelector struct{ MatchNames []string }
			Selector          struct{ MatchLabels map[string]string }
		}
	}
	if err := decodeInto(monitor.Object, &decoded); err != nil {
		t.Fatalf("ServiceMonitor: %v", err)
	}
	spec := decoded.Spec
	if monitor.GetLabels()["release"] != "prometheus" {
		t.Errorf("ServiceMonitor labels %v lack metrics.serviceMonitor.labels", monitor.GetLabels())
	}
	if len(spec.Endpoints) != 1 {
		t.Fatalf("ServiceMonitor endpoints %+v, want one", spec.Endpoints)
	}
	e := spec.Endpoints[0]
	if e.Port != service.Spec.Ports[0].Name || e.Scheme != "https" || e.Path != "/metrics" || e.Interval != "15s" || e.ScrapeTimeout != "5s" || e.BearerTokenFile == "" {
		t.Errorf("ServiceMonitor endpoint %+v, want https port %q every 15s (timeout 5s) with a bearer token", e, service.Spec.Ports[0].Name)
	}
	tls := e.TLSConfig
	if wantServer := service.Name + "." + namespace + ".svc"; tls.InsecureSkipVerify || tls.ServerName != wantServer ||
		tls.CA.Secret.Name != certSecret || tls.CA.Secret.Key != "ca.crt" {
		t.Errorf("ServiceMonitor TLS %+v, want %s verified with ca.crt of Secret %s", tls, wantServer, certSecret)
	}
	if !slices.Equal(spec.NamespaceSelector.MatchNames, []string{namespace}) {
		t.Errorf("ServiceMonitor watches namespaces %v, want [%s]", spec.NamespaceSelector.MatchNames, namespace)
	}
	if len(spec.Selector.MatchLabels) == 0 || !labels.SelectorFromSet(spec.Selector.MatchLabels).Matches(labels.Set(service.Labels)) {
		t.Errorf("ServiceMonitor selector %v misses the metrics Service labels %v", spec.Selector.MatchLabels, service.Labels)
	}
}

// metricsCertDir is where the chart mounts metrics.certSecretName.
const metricsCertDir = "/var/run/secrets/charsim/metrics-certs"

// assertMetricsCertMounted checks that the manager reads its metrics
// certificate from the Secret, mounted read-only where --metrics-cert-path
// points.
func assertMetricsCertMounted(t *testing.T, deployment *appsv1.Deployment, secret string) {
	t.Helper()
	volumes := deployment.Spec.Template.Spec.Volumes
	mounts := managerContainer(t, deployment).VolumeMounts
	if len(volumes) != 1 || volumes[0].Secret == nil || volumes[0].Secret.SecretName != secret ||
		len(mounts) != 1 || mounts[0].Name != volumes[0].Name || mounts[0].MountPath != metricsCertDir || !mounts[0].ReadOnly {
		t.Errorf("volumes %+v, mounts %+v: want Secret %s mounted read-only at %s", volumes, mounts, secret, metricsCertDir)
	}
}

func TestChartInstallsWithOptionalPartsOff(t *testing.T) {
	const namespace = "charsim-minimal"
	values, err := filepath.Abs(filepath.Join("testdata", "minimal-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objects := decodeManifests(t, newHelm(t).template(t, namespace, values))

	var rendered []string
	for _, o := range without(objects, "CustomResourceDefinition") {
		rendered = append(rendered, o.GetKind()+"/"+o.GetName())
	}
	want := []string{
		"ClusterRole/" + helmRelease + "-manager-role",
		"ClusterRoleBinding/" + helmRelease + "-manager-rolebinding",
		"Deployment/" + helmRelease,
	}
	if !slices.Equal(slices.Sorted(slices.Values(rendered)), want) {
		t.Errorf("rendered %v, want only %v (no metrics, leader election or ServiceAccount objects)", rendered, want)
	}
	assertCRDsIncluded(t, objects)
	var deployment appsv1.Deployment
	onlyObject(t, objects, "Deployment", &deployment)
	manager := managerContainer(t, &deployment)
	version := repoVersion(t)
	assertArgs(t, manager.Args,
		"--health-probe-bind-address=:8081",
		"--metrics-bind-address=0",
		"--mcp-server-image=ghcr.io/mojin/charsim-mcp-server:"+version,
		"--discord-bot-image=ghcr.io/mojin/charsim-discord-bot:"+version,
		"--operator-image=ghcr.io/mojin/charsim-operator:"+version,
	)
	for _, p := range manager.Ports {
		if p.Name == "metrics" {
			t.Errorf("metrics port %d rendered with metrics off", p.ContainerPort)
		}
	}
	if deployment.Spec.Template.Spec.ServiceAccountName != "existing-operator-account" {
		t.Errorf("pods run as %q, want serviceAccount.name", deployment.Spec.Template.Spec.ServiceAccountName)
	}
	var binding rbacv1.ClusterRoleBinding
	onlyObject(t, objects, "ClusterRoleBinding", &binding)
	if len(binding.Subjects) != 1 || binding.Subjects[0].Name != "existing-operator-account" || binding.Subjects[0].Namespace != namespace {
		t.Errorf("manager binding subjects %+v, want the existing ServiceAccount", binding.Subjects)
	}

	api := cluster(t)
	api.createRestrictedNamespace(t, namespace)
	api.dryRunApply(t, objects)
	api.dryRunPodOf(t, &deployment)
}

package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
)

// child is one expected child object.
type child struct {
	name string
	obj  func() client.Object
	tie  ownership
}

// ownership is how a child is tied to its simulation.
type ownership int

const (
	// owned: controlled by the simulation, garbage-collected with it.
	owned ownership = iota
	// retained: labelled with the simulation but without owner; it outlives it.
	retained
)

func sts() client.Object            { return &appsv1.StatefulSet{} }
func deploy() client.Object         { return &appsv1.Deployment{} }
func svc() client.Object            { return &corev1.Service{} }
func sa() client.Object             { return &corev1.ServiceAccount{} }
func secret() client.Object         { return &corev1.Secret{} }
func netpol() client.Object         { return &networkingv1.NetworkPolicy{} }
func budget() client.Object         { return &policyv1.PodDisruptionBudget{} }
func kindOf(o client.Object) string { return fmt.Sprintf("%T", o) }

func postgresChildren(s string) []child {
	return []child{
		{s + "-postgres", sts, owned}, {s + "-postgres", svc, owned}, {s + "-postgres-headless", svc, owned}, {s + "-postgres", netpol, owned},
	}
}

func qdrantChildren(s string) []child {
	return []child{
		{s + "-qdrant", sts, owned}, {s + "-qdrant", svc, owned}, {s + "-qdrant-headless", svc, owned}, {s + "-qdrant", netpol, owned},
	}
}

func redisChildren(s string) []child {
	return []child{
		{s + "-redis", sts, owned}, {s + "-redis", svc, owned}, {s + "-redis-headless", svc, owned}, {s + "-redis", netpol, owned},
	}
}

// storeCredentials are the generated credential Secrets of the named stores.
func storeCredentials(s string, stores ...string) []child {
	var out []child
	for _, store := range stores {
		out = append(out, child{s + "-" + store + "-credentials", secret, retained})
	}
	return out
}

func botChildren(s string) []child {
	return []child{{s + "-discord-bot", deploy, owned}, {s + "-discord-bot", sa, owned}, {s + "-discord-bot", netpol, owned}}
}

func mcpChildren(s string) []child {
	return []child{
		{s + "-mcp-server", deploy, owned}, {s + "-mcp-server", svc, owned}, {s + "-mcp-server", sa, owned}, {s + "-mcp-server", netpol, owned},
		{s + "-mcp-auth", secret, owned}, {s + "-default-deny", netpol, owned},
	}
}

func defaultChildren(s string) []child {
	return slices.Concat(postgresChildren(s), qdrantChildren(s), redisChildren(s), mcpChildren(s), botChildren(s),
		storeCredentials(s, "postgres", "qdrant", "redis"))
}

// waitForChildren waits until every child exists: controlled by the
// simulation, or for a retained one, labelled with it and without owner.
func waitForChildren(t *testing.T, sim *v1alpha1.CharacterSimulation, children []child) {
	t.Helper()
	eventually(t, "children exist and are owned", func() error {
		for _, c := range children {
			check := ownedBy
			if c.tie == retained {
				check = retainedFor
			}
			if err := check(sim.Namespace, c.name, c.obj(), sim); err != nil {
				return err
			}
		}
		return nil
	})
}

func waitForGone(t *testing.T, sim *v1alpha1.CharacterSimulation, children []child) {
	t.Helper()
	eventually(t, "obsolete children are deleted", func() error {
		for _, c := range children {
			if err := gone(sim.Namespace, c.name, c.obj()); err != nil {
				return err
			}
		}
		return nil
	})
}

func container(t *testing.T, ns, deployment string) corev1.Container {
	t.Helper()
	return get(t, ns, deployment, &appsv1.Deployment{}).Spec.Template.Spec.Containers[0]
}

func envNamed(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func wantEnvFromSecret(t *testing.T, c corev1.Container, name, secretName, key string) {
	t.Helper()
	e := envNamed(c, name)
	if e == nil || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
		e.ValueFrom.SecretKeyRef.Name != secretName || e.ValueFrom.SecretKeyRef.Key != key {
		t.Errorf("%s: env %s = %+v, want secretKeyRef %s/%s", c.Name, name, e, secretName, key)
	}
}

// secretValues returns every value of the simulation's generated Secrets.
func secretValues(t *testing.T, ns string, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		for _, v := range get(t, ns, n, &corev1.Secret{}).Data {
			out = append(out, string(v))
		}
	}
	return out
}

// assertNoSecretLeaks fails if a secret value appears in the simulation's
// status or in any Event of the namespace.
func assertNoSecretLeaks(t *testing.T, sim *v1alpha1.CharacterSimulation, values []string) {
	t.Helper()
	current := get(t, sim.Namespace, sim.Name, &v1alpha1.CharacterSimulation{})
	texts := []string{current.Status.MCPEndpoint}
	for _, c := range current.Status.Conditions {
		texts = append(texts, c.Message, c.Reason)
	}
	for _, e := range listEvents(t, sim.Namespace) {
		texts = append(texts, e.Note, e.Reason)
	}
	for _, text := range texts {
		for _, v := range values {
			// Skip short, non-secret values such as the user name "charsim".
			if len(v) >= 16 && strings.Contains(text, v) {
				t.Errorf("a secret value leaked into %q", text)
			}
		}
	}
}

func TestCreateBuildsEveryChild(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "tavern")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("tavern"))

	pg := get(t, ns, "tavern-postgres", &appsv1.StatefulSet{})
	if got := pg.Spec.Template.Spec.Containers[0].Image; got != "docker.io/library/postgres:17.6" {
		t.Errorf("postgres image = %s, want the API default", got)
	}
	claim := pg.Spec.VolumeClaimTemplates[0]
	if claim.Name != "data" || claim.Spec.Resources.Requests.Storage().Cmp(quantity("10Gi")) != 0 {
		t.Errorf("postgres claim template = %s %v, want data 10Gi", claim.Name, claim.Spec.Resources.Requests)
	}
	if p := pg.Spec.PersistentVolumeClaimRetentionPolicy; p == nil || p.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("retention = %+v, want Retain", p)
	}
	if pg.Spec.ServiceName != "tavern-postgres-headless" {
		t.Errorf("serviceName = %s", pg.Spec.ServiceName)
	}

	mcp := container(t, ns, "tavern-mcp-server")
	if mcp.Image != testOptions.MCPServerImage {
		t.Errorf("mcp image = %s, want the operator default %s", mcp.Image, testOptions.MCPServerImage)
	}
	wantEnvFromSecret(t, mcp, resources.EnvDatabaseURL, "tavern-postgres-credentials", "url")
	wantEnvFromSecret(t, mcp, resources.EnvMCPAuthToken, "tavern-mcp-auth", "token")
	if e := envNamed(mcp, resources.EnvQdrantURL); e == nil || e.Value != "http://tavern-qdrant:6334" {
		t.Errorf("QDRANT_URL = %+v", e)
	}
	bot := container(t, ns, "tavern-discord-bot")
	wantEnvFromSecret(t, bot, resources.EnvDiscordToken, "discord", "token")
	wantEnvFromSecret(t, bot, resources.EnvLLMAPIKey, "llm", "api-key")

	service := get(t, ns, "tavern-mcp-server", &corev1.Service{})
	if len(service.Spec.Ports) != 1 || service.Spec.Ports[0].Port != 8000 || service.Spec.Ports[0].Name != "http" {
		t.Errorf("mcp service ports = %+v", service.Spec.Ports)
	}
	if err := gone(ns, "tavern-mcp-server", budget()); err != nil {
		t.Errorf("one replica must not get a PodDisruptionBudget: %v", err)
	}

	creds := get(t, ns, "tavern-postgres-credentials", &corev1.Secret{})
	password := string(creds.Data["password"])
	if len(password) < 20 {
		t.Errorf("generated password has %d characters, want at least 20", len(password))
	}
	wantURL := "postgres://charsim:" + password + "@tavern-postgres." + ns + ".svc:5432/charsim?sslmode=disable"
	if got := string(creds.Data["url"]); got != wantURL {
		t.Error("postgres url does not embed the generated password and the service address")
	}
	if string(get(t, ns, "tavern-mcp-auth", &corev1.Secret{}).Data["token"]) == password {
		t.Error("two generated credentials share a value")
	}

	waitForStatus(t, sim, "status is written", func(s v1alpha1.CharacterSimulationStatus) error {
		if s.MCPEndpoint != "http://tavern-mcp-server."+ns+".svc:8000/mcp" {
			return fmt.Errorf("mcpEndpoint %q", s.MCPEndpoint)
		}
		if len(s.Conditions) != 6 {
			return fmt.Errorf("%d conditions", len(s.Conditions))
		}
		return phaseIs(v1alpha1.PhaseProvisioning)(s)
	})
	assertNoSecretLeaks(t, sim, secretValues(t, ns, "tavern-postgres-credentials", "tavern-qdrant-credentials", "tavern-redis-credentials", "tavern-mcp-auth"))
}

func TestChildrenFollowSpecUpdates(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "inn")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("inn"))

	t.Run("replicas and image", func(t *testing.T) {
		updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) {
			s.Spec.MCPServer.Replicas = ptr.To[int32](3)
			s.Spec.MCPServer.Image = "example.org/mcp:2"
		})
		eventually(t, "deployment follows", func() error {
			d := get(t, ns, "inn-mcp-server", &appsv1.Deployment{})
			if *d.Spec.Replicas != 3 || d.Spec.Template.Spec.Containers[0].Image != "example.org/mcp:2" {
				return fmt.Errorf("replicas %d image %s", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
			}
			return ownedBy(ns, "inn-mcp-server", budget(), sim)
		})
	})
	t.Run("redis disabled and bot removed", func(t *testing.T) {
		updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) {
			s.Spec.Redis.Mode = v1alpha1.RedisDisabled
			s.Spec.DiscordBot = nil
		})
		redisCredentials := get(t, ns, "inn-redis-credentials", &corev1.Secret{})
		waitForGone(t, sim, slices.Concat(redisChildren("inn"), botChildren("inn")))
		if kept := get(t, ns, "inn-redis-credentials", &corev1.Secret{}); kept.UID != redisCredentials.UID {
			t.Error("disabling Redis replaced its credentials; they must outlive it like its volume")
		}
		if e := envNamed(container(t, ns, "inn-mcp-server"), resources.EnvRedisURL); e != nil {
			t.Errorf("REDIS_URL still set: %+v", e)
		}
		waitForStatus(t, sim, "conditions follow", func(s v1alpha1.CharacterSimulationStatus) error {
			for _, typ := range []string{v1alpha1.ConditionRedisReady, v1alpha1.ConditionDiscordBotReady} {
				if c := meta.FindStatusCondition(s.Conditions, typ); c == nil || c.Reason != resources.ReasonDisabled {
					return fmt.Errorf("%s = %+v, want reason Disabled", typ, c)
				}
			}
			return nil
		})
	})
	t.Run("back to one replica drops the PDB", func(t *testing.T) {
		updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.MCPServer.Replicas = ptr.To[int32](1) })
		waitForGone(t, sim, []child{{"inn-mcp-server", budget, owned}})
	})
	t.Run("postgres switched to external keeps its credentials", func(t *testing.T) {
		before := get(t, ns, "inn-postgres-credentials", &corev1.Secret{})
		updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) {
			s.Spec.Postgres.External = &v1alpha1.ExternalPostgres{URLSecretRef: v1alpha1.SecretKeyRef{Name: "shared-db", Key: "dsn"}}
		})
		waitForGone(t, sim, postgresChildren("inn"))
		wantEnvFromSecret(t, container(t, ns, "inn-mcp-server"), resources.EnvDatabaseURL, "shared-db", "dsn")
		after := get(t, ns, "inn-postgres-credentials", &corev1.Secret{})
		if after.UID != before.UID || string(after.Data["password"]) != string(before.Data["password"]) {
			t.Error("the postgres credentials changed; the retained data directory needs the old password")
		}
	})
}

// childVersions records the resourceVersion of every child of the simulation.
func childVersions(t *testing.T, sim *v1alpha1.CharacterSimulation) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, k := range childKinds {
		list := k.newList()
		if err := k8s.List(context.Background(), list, client.InNamespace(sim.Namespace),
			client.MatchingLabels{resources.LabelSimulation: sim.Name}); err != nil {
			t.Fatalf("list %s: %v", k.kind, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range items {
			o := item.(client.Object)
			out[k.kind+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out
}

func TestSteadyStateMakesZeroWrites(t *testing.T) {
	r, _ := startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "quiet")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("quiet"))
	markAllReady(t, sim)
	waitForStatus(t, sim, "ready", phaseIs(v1alpha1.PhaseReady))

	// Wake the running controller through the CR; remember the version the
	// annotation itself produced.
	before := reconcileCount(t)
	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations["test.charsim.mojin.dev/poke"] = "1"
	})
	eventually(t, "the manager reconciles after the annotation", func() error {
		if reconcileCount(t) <= before {
			return fmt.Errorf("no reconcile yet")
		}
		return nil
	})
	children := childVersions(t, sim)
	simVersion := get(t, ns, "quiet", &v1alpha1.CharacterSimulation{}).ResourceVersion
	eventCount := len(listEvents(t, ns))
	if len(children) != len(defaultChildren("quiet")) {
		t.Fatalf("found %d children, want %d", len(children), len(defaultChildren("quiet")))
	}

	// More reconciles, certain to run: direct calls through an uncached
	// client that records every write other than server-side apply (which
	// is a no-op for an unchanged intent, as the versions below prove).
	var writes []string
	record := func(verb string, obj client.Object) { writes = append(writes, verb+" "+kindOf(obj)+" "+obj.GetName()) }
	direct, err := client.NewWithWatch(restConfig, client.Options{Scheme: testScheme})
	if err != nil {
		t.Fatal(err)
	}
	counting := &CharacterSimulationReconciler{Recorder: r.Recorder, Options: r.Options, APIReader: direct, secretMetadata: r.secretMetadata, Client: interceptor.NewClient(direct, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			record("create", obj)
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			record("update", obj)
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			record("patch", obj)
			return c.Patch(ctx, obj, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			record("delete", obj)
			return c.Delete(ctx, obj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			record("update "+sub, obj)
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			record("patch "+sub, obj)
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})}
	for range 3 {
		if _, err := counting.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(sim)}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
	}
	if len(writes) > 0 {
		t.Errorf("steady-state reconciles wrote: %v", writes)
	}
	if after := childVersions(t, sim); !mapsEqual(after, children) {
		t.Errorf("children were written in steady state:\nbefore %v\nafter  %v", children, after)
	}
	if v := get(t, ns, "quiet", &v1alpha1.CharacterSimulation{}).ResourceVersion; v != simVersion {
		t.Errorf("the simulation was written in steady state: resourceVersion %s -> %s", simVersion, v)
	}
	if n := len(listEvents(t, ns)); n != eventCount {
		t.Errorf("%d new events in steady state", n-eventCount)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSuspendScalesToZeroAndKeepsData(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "sleepy")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("sleepy"))
	markAllReady(t, sim)

	// The claim the StatefulSet controller would have made from the template.
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "data-sleepy-postgres-0", Labels: resources.Labels(sim, resources.ComponentPostgres)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: quantity("10Gi")}},
		},
	}
	create(t, pvc)

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Suspend = true })
	eventually(t, "every workload scaled to zero", func() error {
		for _, name := range []string{"sleepy-postgres", "sleepy-qdrant", "sleepy-redis"} {
			s := get(t, ns, name, &appsv1.StatefulSet{})
			if *s.Spec.Replicas != 0 {
				return fmt.Errorf("%s replicas %d", name, *s.Spec.Replicas)
			}
			if len(s.Spec.VolumeClaimTemplates) != 1 {
				return fmt.Errorf("%s lost its claim template", name)
			}
		}
		for _, name := range []string{"sleepy-mcp-server", "sleepy-discord-bot"} {
			if d := get(t, ns, name, &appsv1.Deployment{}); *d.Spec.Replicas != 0 {
				return fmt.Errorf("%s replicas %d", name, *d.Spec.Replicas)
			}
		}
		return nil
	})
	waitForStatus(t, sim, "suspended", func(s v1alpha1.CharacterSimulationStatus) error {
		c := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != resources.ReasonSuspended {
			return fmt.Errorf("Ready = %+v, want False/Suspended", c)
		}
		return phaseIs(v1alpha1.PhaseSuspended)(s)
	})
	if got := get(t, ns, pvc.Name, &corev1.PersistentVolumeClaim{}); got.ResourceVersion != pvc.ResourceVersion || got.DeletionTimestamp != nil {
		t.Error("suspend touched the data volume claim")
	}

	updateSimulation(t, sim, func(s *v1alpha1.CharacterSimulation) { s.Spec.Suspend = false })
	eventually(t, "workloads scale back up", func() error {
		if s := get(t, ns, "sleepy-postgres", &appsv1.StatefulSet{}); *s.Spec.Replicas != 1 {
			return fmt.Errorf("postgres replicas %d", *s.Spec.Replicas)
		}
		return nil
	})
}

func TestExternalStores(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shared"},
		StringData: map[string]string{
			"dsn":        "postgres://app:user-supplied-database-password@db.example:5432/app",
			"qdrant":     "http://qdrant.example:6334",
			"qdrant-key": "user-supplied-qdrant-api-key",
		},
	})
	sim := newSimulation(ns, "hybrid")
	sim.Spec.Postgres.External = &v1alpha1.ExternalPostgres{URLSecretRef: v1alpha1.SecretKeyRef{Name: "shared", Key: "dsn"}}
	sim.Spec.Qdrant.External = &v1alpha1.ExternalQdrant{
		URLSecretRef:    v1alpha1.SecretKeyRef{Name: "shared", Key: "qdrant"},
		APIKeySecretRef: &v1alpha1.SecretKeyRef{Name: "shared", Key: "qdrant-key"},
	}
	create(t, sim)
	waitForChildren(t, sim, slices.Concat(redisChildren("hybrid"), storeCredentials("hybrid", "redis"), mcpChildren("hybrid"), botChildren("hybrid")))

	for _, c := range slices.Concat(postgresChildren("hybrid"), qdrantChildren("hybrid"), storeCredentials("hybrid", "postgres", "qdrant")) {
		if err := gone(ns, c.name, c.obj()); err != nil {
			t.Errorf("external mode created %s: %v", kindOf(c.obj()), err)
		}
	}
	mcp := container(t, ns, "hybrid-mcp-server")
	wantEnvFromSecret(t, mcp, resources.EnvDatabaseURL, "shared", "dsn")
	wantEnvFromSecret(t, mcp, resources.EnvQdrantURL, "shared", "qdrant")
	wantEnvFromSecret(t, mcp, resources.EnvQdrantAPIKey, "shared", "qdrant-key")

	markStatefulSetReady(t, ns, "hybrid-redis")
	setDeploymentAvailable(t, ns, "hybrid-mcp-server", 1)
	setDeploymentAvailable(t, ns, "hybrid-discord-bot", 1)
	waitForStatus(t, sim, "ready with external stores", func(s v1alpha1.CharacterSimulationStatus) error {
		for _, typ := range []string{v1alpha1.ConditionPostgresReady, v1alpha1.ConditionQdrantReady} {
			if c := meta.FindStatusCondition(s.Conditions, typ); c == nil || c.Status != metav1.ConditionTrue || c.Reason != resources.ReasonExternal {
				return fmt.Errorf("%s = %+v, want True/External", typ, c)
			}
		}
		return phaseIs(v1alpha1.PhaseReady)(s)
	})
	assertNoSecretLeaks(t, sim, secretValues(t, ns, "shared"))
}

func TestGeneratedSecretsAreNeverOverwritten(t *testing.T) {
	r, stop := startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "vault")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("vault"))
	names := []string{"vault-postgres-credentials", "vault-qdrant-credentials", "vault-redis-credentials", "vault-mcp-auth"}

	snapshot := func() map[string]string {
		out := map[string]string{}
		for _, n := range names {
			s := get(t, ns, n, &corev1.Secret{})
			if s.Immutable == nil || !*s.Immutable {
				t.Errorf("%s is not immutable", n)
			}
			out[n] = string(s.UID) + "/" + s.ResourceVersion + "/" + fmt.Sprint(s.Data)
		}
		return out
	}
	original := snapshot()

	reconcileNow := func(r *CharacterSimulationReconciler) {
		t.Helper()
		if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(sim)}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
	}
	reconcileNow(r)
	reconcileNow(r)
	if got := snapshot(); !mapsEqual(got, original) {
		t.Error("reconciling changed a generated Secret")
	}

	// A new manager (an operator restart or upgrade) starts with an empty cache.
	stop()
	r2, _ := startManager(t)
	reconcileNow(r2)
	if got := snapshot(); !mapsEqual(got, original) {
		t.Error("a restarted manager changed a generated Secret")
	}

	// The API server itself refuses to change them.
	s := get(t, ns, "vault-mcp-auth", &corev1.Secret{})
	s.Data["token"] = []byte("overwritten")
	if err := k8s.Update(context.Background(), s); err == nil {
		t.Error("a generated Secret accepted a data change")
	}

	// A deleted one is generated again, with a fresh value.
	oldToken := string(get(t, ns, "vault-mcp-auth", &corev1.Secret{}).Data["token"])
	if err := k8s.Delete(context.Background(), get(t, ns, "vault-mcp-auth", &corev1.Secret{})); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted secret is generated again", func() error {
		s := &corev1.Secret{}
		if err := ownedBy(ns, "vault-mcp-auth", s, sim); err != nil {
			return err
		}
		if string(s.Data["token"]) == oldToken {
			return fmt.Errorf("the token was not regenerated")
		}
		return nil
	})
}

func TestConditionsFollowChildStatus(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "lively")
	create(t, sim)
	waitForChildren(t, sim, defaultChildren("lively"))
	waitForStatus(t, sim, "provisioning", phaseIs(v1alpha1.PhaseProvisioning))

	markAllReady(t, sim)
	waitForStatus(t, sim, "ready", func(s v1alpha1.CharacterSimulationStatus) error {
		for _, c := range s.Conditions {
			if c.Status != metav1.ConditionTrue {
				return fmt.Errorf("%s is %s: %s", c.Type, c.Status, c.Message)
			}
		}
		return phaseIs(v1alpha1.PhaseReady)(s)
	})
	eventually(t, "a Normal event says Ready", func() error {
		for _, e := range listEvents(t, ns) {
			if e.Type == corev1.EventTypeNormal && e.Reason == resources.ReasonReady && strings.HasPrefix(e.Note, "Ready is True") {
				return nil
			}
		}
		return fmt.Errorf("no Ready event")
	})

	setDeploymentAvailable(t, ns, "lively-mcp-server", 0)
	waitForStatus(t, sim, "degraded", func(s v1alpha1.CharacterSimulationStatus) error {
		c := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionMCPServerReady)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != resources.ReasonUnavailable {
			return fmt.Errorf("MCPServerReady = %+v, want False/Unavailable", c)
		}
		return phaseIs(v1alpha1.PhaseDegraded)(s)
	})
	eventually(t, "a Warning event reports the regression", func() error {
		for _, e := range listEvents(t, ns) {
			if e.Type == corev1.EventTypeWarning && e.Reason == resources.ReasonUnavailable &&
				strings.HasPrefix(e.Note, "MCPServerReady is False") && e.Regarding.UID == sim.UID {
				return nil
			}
		}
		return fmt.Errorf("no Warning event for MCPServerReady")
	})

	setDeploymentAvailable(t, ns, "lively-mcp-server", 1)
	waitForStatus(t, sim, "recovered", phaseIs(v1alpha1.PhaseReady))
	assertNoSecretLeaks(t, sim, secretValues(t, ns, "lively-postgres-credentials", "lively-qdrant-credentials", "lively-redis-credentials", "lively-mcp-auth"))
}

// TestInvalidURLIsReported: a simulation that an older CRD admitted with a
// URL the builders cannot use (the API server refuses it now; objects stored
// before a CRD upgrade are not checked again) is reported as a Warning
// naming the field, and not retried.
func TestInvalidURLIsReported(t *testing.T) {
	r, _ := startManager(t)
	ns := newNamespace(t)
	sim := newSimulation(ns, "broken")
	sim.Spec.DiscordBot.LLM.BaseURL = "http://llm:99999/v1"
	withoutURLRule(t, ns, func() { create(t, sim) })
	// Until the manager's cache has seen the new simulation, Reconcile finds
	// nothing and returns no error; poll until it reconciles the real object.
	eventually(t, "reconcile error naming the field", func() error {
		_, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(sim)})
		if err == nil || !strings.Contains(err.Error(), "spec.discordBot.llm.baseURL") {
			return fmt.Errorf("reconcile error = %v, want one naming spec.discordBot.llm.baseURL", err)
		}
		return nil
	})
	eventually(t, "InvalidSpec event", func() error {
		for _, e := range listEvents(t, ns) {
			if e.Type == corev1.EventTypeWarning && e.Reason == "InvalidSpec" && strings.Contains(e.Note, "spec.discordBot.llm.baseURL") {
				return nil
			}
		}
		return fmt.Errorf("no InvalidSpec event")
	})
}

// withoutURLRule runs admit while the CharacterSimulation CRD lacks its CEL
// rule on spec.discordBot.llm.baseURL, as an older release's CRD did, and
// puts the rule back afterwards.
func withoutURLRule(t *testing.T, ns string, admit func()) {
	t.Helper()
	ctx := context.Background()
	key := client.ObjectKey{Name: "charactersimulations." + v1alpha1.GroupVersion.Group}
	setRules := func(rules apiextensionsv1.ValidationRules) (old apiextensionsv1.ValidationRules) {
		t.Helper()
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := k8s.Get(ctx, key, crd); err != nil {
				return err
			}
			// Properties holds values, so the path is written back level by level.
			root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
			spec := root.Properties["spec"]
			bot := spec.Properties["discordBot"]
			llm := bot.Properties["llm"]
			url := llm.Properties["baseURL"]
			old, url.XValidations = url.XValidations, rules
			llm.Properties["baseURL"] = url
			bot.Properties["llm"] = llm
			spec.Properties["discordBot"] = bot
			root.Properties["spec"] = spec
			return k8s.Update(ctx, crd)
		})
		if err != nil {
			t.Fatalf("update the CharacterSimulation CRD: %v", err)
		}
		return old
	}
	rules := setRules(nil)
	if len(rules) == 0 {
		t.Fatal("the CRD had no rule on spec.discordBot.llm.baseURL to take away")
	}
	defer setRules(rules)
	// The API server takes a moment to serve the changed schema.
	eventually(t, "the CRD without the URL rule in effect", func() error {
		probe := newSimulation(ns, "probe")
		probe.Spec.DiscordBot.LLM.BaseURL = "http://llm:99999/v1"
		return k8s.Create(ctx, probe, client.DryRunAll)
	})
	admit()
}

// TestOneFailingChildDoesNotBlockTheOthers: a child that cannot be applied
// (here a Service in the way whose clusterIP is immutable) is reported, and
// every other child is still applied.
func TestOneFailingChildDoesNotBlockTheOthers(t *testing.T) {
	r, _ := startManager(t)
	ns := newNamespace(t)
	create(t, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "jam-postgres-headless"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "postgres", Port: 5432}}},
	})
	sim := newSimulation(ns, "jam")
	create(t, sim)

	var others []child
	for _, c := range defaultChildren("jam") {
		if c.name != "jam-postgres-headless" {
			others = append(others, c)
		}
	}
	waitForChildren(t, sim, others)
	_, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(sim)})
	if err == nil || !strings.Contains(err.Error(), "apply Service jam-postgres-headless") {
		t.Fatalf("reconcile error = %v, want the failing Service named", err)
	}
	eventually(t, "ApplyFailed event", func() error {
		for _, e := range listEvents(t, ns) {
			if e.Type == corev1.EventTypeWarning && e.Reason == "ApplyFailed" && strings.Contains(e.Note, "jam-postgres-headless") {
				return nil
			}
		}
		return fmt.Errorf("no ApplyFailed event")
	})
	waitForStatus(t, sim, "status still written", phaseIs(v1alpha1.PhaseProvisioning))
}

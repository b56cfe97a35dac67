package resources

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/mojin/charsim/api/v1alpha1"
)

// TestStoreStatefulSets covers what the three managed stores share: volume
// claim size and class, retention, replicas, headless service, scheduling.
func TestStoreStatefulSets(t *testing.T) {
	custom := &v1alpha1.StorageSpec{Size: ptr.To(resource.MustParse("50Gi")), StorageClassName: ptr.To("fast-ssd")}
	scheduling := v1alpha1.PodScheduling{
		NodeSelector: map[string]string{"disk": "ssd"},
		Tolerations:  []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule}},
		Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}},
			}}},
		}},
	}
	cases := []struct {
		name, sts, headless, size string
		class                     *string
		replicas                  int32
		uid                       int64
		mutate                    func(*v1alpha1.CharacterSimulation)
		scheduled                 bool
	}{
		{name: "postgres defaults", sts: "tavern-postgres", headless: "tavern-postgres-headless", size: "10Gi", replicas: 1, uid: 999},
		{name: "qdrant defaults", sts: "tavern-qdrant", headless: "tavern-qdrant-headless", size: "20Gi", replicas: 1, uid: 1000},
		{name: "redis defaults", sts: "tavern-redis", headless: "tavern-redis-headless", size: "1Gi", replicas: 1, uid: 999},
		{
			name: "postgres custom storage and scheduling", sts: "tavern-postgres", headless: "tavern-postgres-headless",
			size: "50Gi", class: ptr.To("fast-ssd"), replicas: 1, uid: 999, scheduled: true,
			mutate: func(s *v1alpha1.CharacterSimulation) {
				s.Spec.Postgres.Storage = custom
				s.Spec.Postgres.PodScheduling = scheduling
			},
		},
		{
			name: "qdrant custom storage and scheduling", sts: "tavern-qdrant", headless: "tavern-qdrant-headless",
			size: "50Gi", class: ptr.To("fast-ssd"), replicas: 1, uid: 1000, scheduled: true,
			mutate: func(s *v1alpha1.CharacterSimulation) {
				s.Spec.Qdrant.Storage = custom
				s.Spec.Qdrant.PodScheduling = scheduling
			},
		},
		{
			name: "redis custom storage and scheduling", sts: "tavern-redis", headless: "tavern-redis-headless",
			size: "50Gi", class: ptr.To("fast-ssd"), replicas: 1, uid: 999, scheduled: true,
			mutate: func(s *v1alpha1.CharacterSimulation) {
				s.Spec.Redis.Storage = custom
				s.Spec.Redis.PodScheduling = scheduling
			},
		},
		{
			name: "suspended keeps the claim template", sts: "tavern-postgres", headless: "tavern-postgres-headless",
			size: "10Gi", replicas: 0, uid: 999,
			mutate: func(s *v1alpha1.CharacterSimulation) { s.Spec.Suspend = true },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := sample()
			if tc.mutate != nil {
				tc.mutate(sim)
			}
			sts := statefulSet(t, build(t, sim), tc.sts)
			if got := *sts.Spec.Replicas; got != tc.replicas {
				t.Errorf("replicas = %d, want %d", got, tc.replicas)
			}
			if sts.Spec.ServiceName != tc.headless {
				t.Errorf("serviceName = %q, want %q", sts.Spec.ServiceName, tc.headless)
			}
			wantRetention := appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			}
			if p := sts.Spec.PersistentVolumeClaimRetentionPolicy; p == nil || *p != wantRetention {
				t.Errorf("retention policy = %+v, want Retain/Retain", p)
			}
			if len(sts.Spec.VolumeClaimTemplates) != 1 {
				t.Fatalf("volumeClaimTemplates = %d, want 1", len(sts.Spec.VolumeClaimTemplates))
			}
			claim := sts.Spec.VolumeClaimTemplates[0]
			if claim.Name != "data" {
				t.Errorf("claim template name = %q, want data", claim.Name)
			}
			if claim.Labels[LabelSimulation] != "tavern" {
				t.Errorf("claim template labels = %v, want the simulation label for backups", claim.Labels)
			}
			if got := claim.Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(resource.MustParse(tc.size)) != 0 {
				t.Errorf("claim size = %s, want %s", got.String(), tc.size)
			}
			if !ptr.Equal(claim.Spec.StorageClassName, tc.class) {
				t.Errorf("storageClassName = %v, want %v", ptr.Deref(claim.Spec.StorageClassName, "<nil>"), ptr.Deref(tc.class, "<nil>"))
			}
			pod := sts.Spec.Template.Spec
			if got := *pod.SecurityContext.RunAsUser; got != tc.uid {
				t.Errorf("runAsUser = %d, want %d", got, tc.uid)
			}
			if got := *pod.SecurityContext.FSGroup; got != tc.uid {
				t.Errorf("fsGroup = %d, want %d", got, tc.uid)
			}
			if tc.scheduled {
				if pod.NodeSelector["disk"] != "ssd" {
					t.Errorf("nodeSelector = %v", pod.NodeSelector)
				}
				if !slices.EqualFunc(pod.Tolerations, scheduling.Tolerations, func(a, b corev1.Toleration) bool { return a.MatchToleration(&b) }) {
					t.Errorf("tolerations = %+v, want %+v", pod.Tolerations, scheduling.Tolerations)
				}
				if pod.Affinity == nil || pod.Affinity.NodeAffinity == nil ||
					pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Values[0] != "a" {
					t.Errorf("affinity = %+v, want the spec's node affinity", pod.Affinity)
				}
			} else if pod.NodeSelector != nil || pod.Tolerations != nil || pod.Affinity != nil {
				t.Errorf("scheduling set without a spec: %v %v %v", pod.NodeSelector, pod.Tolerations, pod.Affinity)
			}
			if s := service(t, build(t, sim), tc.headless); s.Spec.ClusterIP != corev1.ClusterIPNone || !s.Spec.PublishNotReadyAddresses {
				t.Errorf("headless service: clusterIP %q publishNotReady %v", s.Spec.ClusterIP, s.Spec.PublishNotReadyAddresses)
			}
			if s := service(t, build(t, sim), tc.sts); s.Spec.ClusterIP != "" {
				t.Errorf("client service has clusterIP %q, want it allocated", s.Spec.ClusterIP)
			}
		})
	}
}

func TestPostgres(t *testing.T) {
	t.Run("managed", func(t *testing.T) {
		sts := statefulSet(t, build(t, sample()), "tavern-postgres")
		c := sts.Spec.Template.Spec.Containers[0]
		if c.Image != "docker.io/library/postgres:17.6" {
			t.Errorf("image = %s", c.Image)
		}
		env := envOf(c)
		wantSecretRef(t, env, "POSTGRES_USER", "tavern-postgres-credentials", "username")
		wantSecretRef(t, env, "POSTGRES_PASSWORD", "tavern-postgres-credentials", "password")
		wantSecretRef(t, env, "POSTGRES_DB", "tavern-postgres-credentials", "database")
		wantValue(t, env, "PGDATA", "/var/lib/postgresql/data/pgdata")
		wantMounts(t, c, map[string]string{"data": "/var/lib/postgresql/data", "run": "/var/run/postgresql", "tmp": "/tmp"})
		want := []string{"pg_isready", "-U", "charsim", "-d", "charsim", "-h", "127.0.0.1"}
		for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
			if p == nil || p.Exec == nil || !slices.Equal(p.Exec.Command, want) {
				t.Errorf("%s probe = %+v, want exec %v", name, p, want)
			}
		}
		if got := c.Resources.Limits[corev1.ResourceMemory]; got.String() != "1Gi" {
			t.Errorf("memory limit = %s, want 1Gi from the spec", got.String())
		}
		svc := service(t, build(t, sample()), "tavern-postgres")
		if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 5432 {
			t.Errorf("service ports = %+v", svc.Spec.Ports)
		}
	})
	t.Run("external", func(t *testing.T) {
		objs := build(t, withExternalStores(sample()))
		for _, kind := range []string{"StatefulSet", "Service", "NetworkPolicy"} {
			if o := find(objs, kind, "tavern-postgres"); o != nil {
				t.Errorf("external postgres still has %s tavern-postgres", kind)
			}
		}
	})
}

func TestQdrant(t *testing.T) {
	t.Run("managed", func(t *testing.T) {
		c := statefulSet(t, build(t, sample()), "tavern-qdrant").Spec.Template.Spec.Containers[0]
		env := envOf(c)
		wantSecretRef(t, env, "QDRANT__SERVICE__API_KEY", "tavern-qdrant-credentials", "api-key")
		wantValue(t, env, "QDRANT_INIT_FILE_PATH", "/qdrant/init/.qdrant-initialized")
		wantMounts(t, c, map[string]string{"data": "/qdrant/storage", "snapshots": "/qdrant/snapshots", "init": "/qdrant/init", "tmp": "/tmp"})
		if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.String() != "http" {
			t.Errorf("readiness probe = %+v, want GET /readyz on http (6333)", p)
		}
		if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/livez" {
			t.Errorf("liveness probe = %+v, want GET /livez", p)
		}
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		if ports["http"] != 6333 || ports["grpc"] != 6334 {
			t.Errorf("ports = %v, want http 6333 and grpc 6334", ports)
		}
	})
	for name, sim := range map[string]*v1alpha1.CharacterSimulation{
		"external": withExternalStores(sample()),
		"external, mode explicit": func() *v1alpha1.CharacterSimulation {
			s := withExternalStores(sample())
			s.Spec.Qdrant.Mode = v1alpha1.QdrantExternal
			return s
		}(),
		"disabled": withQdrantDisabled(sample()),
	} {
		t.Run(name, func(t *testing.T) {
			for _, o := range build(t, sim) {
				if n := *o.GetName(); n == "tavern-qdrant" || n == "tavern-qdrant-headless" {
					t.Errorf("%s qdrant still has %s %s", name, *o.GetKind(), n)
				}
			}
		})
	}
}

// TestQdrantMode pins how an unset mode is read: specs written before
// qdrant.mode existed keep their meaning.
func TestQdrantMode(t *testing.T) {
	ext := &v1alpha1.ExternalQdrant{URLSecretRef: v1alpha1.SecretKeyRef{Name: "q", Key: "url"}}
	cases := []struct {
		name string
		spec v1alpha1.QdrantSpec
		want v1alpha1.QdrantMode
	}{
		{"empty means managed", v1alpha1.QdrantSpec{}, v1alpha1.QdrantManaged},
		{"external alone means external", v1alpha1.QdrantSpec{External: ext}, v1alpha1.QdrantExternal},
		{"managed", v1alpha1.QdrantSpec{Mode: v1alpha1.QdrantManaged}, v1alpha1.QdrantManaged},
		{"external", v1alpha1.QdrantSpec{Mode: v1alpha1.QdrantExternal, External: ext}, v1alpha1.QdrantExternal},
		{"disabled", v1alpha1.QdrantSpec{Mode: v1alpha1.QdrantDisabled}, v1alpha1.QdrantDisabled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.spec.ModeOrInferred(); got != tc.want {
				t.Errorf("mode = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRedis(t *testing.T) {
	t.Run("managed", func(t *testing.T) {
		sts := statefulSet(t, build(t, sample()), "tavern-redis")
		c := sts.Spec.Template.Spec.Containers[0]
		if !slices.Equal(c.Args, []string{"redis-server", "/etc/redis/redis.conf"}) || len(c.Command) != 0 {
			t.Errorf("command %v args %v, want redis-server with the mounted config only", c.Command, c.Args)
		}
		wantSecretRef(t, envOf(c), "REDISCLI_AUTH", "tavern-redis-credentials", "password")
		wantMounts(t, c, map[string]string{"data": "/data", "config": "/etc/redis", "tmp": "/tmp"})
		for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
			if p == nil || p.Exec == nil || !slices.ContainsFunc(p.Exec.Command, func(s string) bool { return s == `test "$(redis-cli -h 127.0.0.1 ping)" = PONG` }) {
				t.Errorf("probe = %+v, want redis-cli ping checked for PONG", p)
			}
		}
		var config *corev1.Volume
		for i, v := range sts.Spec.Template.Spec.Volumes {
			if v.Name == "config" {
				config = &sts.Spec.Template.Spec.Volumes[i]
			}
		}
		if config == nil || config.Secret == nil || config.Secret.SecretName != "tavern-redis-credentials" ||
			len(config.Secret.Items) != 1 || config.Secret.Items[0].Key != "redis.conf" {
			t.Errorf("config volume = %+v, want redis.conf from tavern-redis-credentials", config)
		}
	})
	for name, mutate := range map[string]func(*v1alpha1.CharacterSimulation) *v1alpha1.CharacterSimulation{
		"disabled": withRedisDisabled,
		"external": withRedisExternal,
	} {
		t.Run(name, func(t *testing.T) {
			for _, o := range build(t, mutate(sample())) {
				if n := *o.GetName(); n == "tavern-redis" || n == "tavern-redis-headless" {
					t.Errorf("%s redis still has %s %s", name, *o.GetKind(), n)
				}
			}
		})
	}
}

// wantMounts checks the container mounts exactly these volumes at these paths.
func wantMounts(t *testing.T, c corev1.Container, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, m := range c.VolumeMounts {
		got[m.Name] = m.MountPath
	}
	if len(got) != len(want) {
		t.Errorf("mounts = %v, want %v", got, want)
	}
	for name, path := range want {
		if got[name] != path {
			t.Errorf("mount %s at %q, want %q", name, got[name], path)
		}
	}
}

func TestDataVolumes(t *testing.T) {
	custom := withRedisDisabled(withExternalStores(sample()))
	custom.Spec.Qdrant.External = nil
	custom.Spec.Qdrant.Storage = &v1alpha1.StorageSpec{Size: ptr.To(resource.MustParse("64Gi"))}
	cases := []struct {
		name string
		sim  *v1alpha1.CharacterSimulation
		want []string
	}{
		{name: "defaults", sim: sample(), want: []string{"postgres tavern-postgres 10Gi", "qdrant tavern-qdrant 20Gi", "redis tavern-redis 1Gi"}},
		{name: "external postgres, custom qdrant, no redis", sim: custom, want: []string{"qdrant tavern-qdrant 64Gi"}},
		{name: "qdrant disabled: nothing of it to snapshot", sim: withQdrantDisabled(sample()), want: []string{"postgres tavern-postgres 10Gi", "redis tavern-redis 1Gi"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range DataVolumes(tc.sim) {
				got = append(got, v.Component+" "+v.StatefulSet+" "+v.Size.String())
				// The size must be the one the StatefulSet's template asks for.
				sts := statefulSet(t, build(t, tc.sim), v.StatefulSet)
				if tmpl := sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage]; tmpl.Cmp(v.Size) != 0 {
					t.Errorf("%s: DataVolumes size %s, template %s", v.StatefulSet, v.Size.String(), tmpl.String())
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("data volumes = %v, want %v", got, tc.want)
			}
		})
	}
	if got := DataClaimName("tavern-postgres"); got != "data-tavern-postgres-0" {
		t.Errorf("DataClaimName = %s", got)
	}
}

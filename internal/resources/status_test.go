package resources

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

var (
	t0 = metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	t1 = metav1.NewTime(t0.Add(time.Minute))
)

func readySTS(name string) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 2}}
	s.Status = appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1}
	return s
}

func readyDeploy(name string, n int32) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 4}}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 4, Replicas: n, ReadyReplicas: n, UpdatedReplicas: n, AvailableReplicas: n}
	return d
}

func allReady() Observed {
	return Observed{
		Postgres:   readySTS("tavern-postgres"),
		Qdrant:     readySTS("tavern-qdrant"),
		Redis:      readySTS("tavern-redis"),
		MCPServer:  readyDeploy("tavern-mcp-server", 1),
		DiscordBot: readyDeploy("tavern-discord-bot", 1),
	}
}

// conditionSummary is "Status/Reason" per condition type.
func conditionSummary(conds []metav1.Condition) map[string]string {
	out := map[string]string{}
	for _, c := range conds {
		out[c.Type] = string(c.Status) + "/" + c.Reason
	}
	return out
}

func TestComputeStatus(t *testing.T) {
	cases := []struct {
		name  string
		sim   *v1alpha1.CharacterSimulation
		prev  v1alpha1.Phase // previous phase, for the current generation
		obs   func() Observed
		phase v1alpha1.Phase
		want  map[string]string
		msg   string // substring of the condition message named in msgOf
		msgOf string
	}{
		{
			name: "nothing created yet", sim: sample(), obs: func() Observed { return Observed{} },
			phase: v1alpha1.PhaseProvisioning,
			want: map[string]string{
				"PostgresReady": "False/Creating", "QdrantReady": "False/Creating", "RedisReady": "False/Creating",
				"MCPServerReady": "False/Creating", "DiscordBotReady": "False/Creating", "Ready": "False/Provisioning",
			},
			msgOf: "Ready", msg: "waiting for PostgresReady, QdrantReady, RedisReady, MCPServerReady, DiscordBotReady",
		},
		{
			name: "all ready", sim: sample(), obs: allReady, phase: v1alpha1.PhaseReady,
			want: map[string]string{
				"PostgresReady": "True/Ready", "QdrantReady": "True/Ready", "RedisReady": "True/Ready",
				"MCPServerReady": "True/Ready", "DiscordBotReady": "True/Ready", "Ready": "True/Ready",
			},
			msgOf: "MCPServerReady", msg: "Deployment tavern-mcp-server: 1 of 1 replicas ready",
		},
		{
			name: "external stores, redis disabled, no bot",
			sim:  withoutDiscordBot(withRedisDisabled(withExternalStores(sample()))),
			obs: func() Observed {
				return Observed{MCPServer: readyDeploy("tavern-mcp-server", 1)}
			},
			phase: v1alpha1.PhaseReady,
			want: map[string]string{
				"PostgresReady": "True/External", "QdrantReady": "True/External", "RedisReady": "True/Disabled",
				"MCPServerReady": "True/Ready", "DiscordBotReady": "True/Disabled", "Ready": "True/Ready",
			},
		},
		{
			// As a disabled Redis: True with reason Disabled, so Ready is
			// reachable and every simulation has the same conditions.
			name: "qdrant disabled: ready without it, even while a pruned StatefulSet lingers",
			sim:  withQdrantDisabled(sample()),
			obs: func() Observed {
				o := allReady()
				o.Qdrant.Status.ReadyReplicas = 0
				return o
			},
			phase: v1alpha1.PhaseReady,
			want: map[string]string{
				"PostgresReady": "True/Ready", "QdrantReady": "True/Disabled", "RedisReady": "True/Ready",
				"MCPServerReady": "True/Ready", "DiscordBotReady": "True/Ready", "Ready": "True/Ready",
			},
			msgOf: "QdrantReady", msg: "disabled in the spec",
		},
		{
			name: "qdrant disabled, nothing created yet: not waiting for it", sim: withQdrantDisabled(sample()),
			obs:   func() Observed { return Observed{} },
			phase: v1alpha1.PhaseProvisioning,
			want:  map[string]string{"QdrantReady": "True/Disabled", "Ready": "False/Provisioning"},
			msgOf: "Ready", msg: "waiting for PostgresReady, RedisReady, MCPServerReady, DiscordBotReady",
		},
		{
			name: "qdrant disabled and suspended", sim: withSuspend(withQdrantDisabled(sample())), prev: v1alpha1.PhaseReady,
			obs:   func() Observed { return Observed{} },
			phase: v1alpha1.PhaseSuspended,
			want:  map[string]string{"QdrantReady": "True/Disabled", "PostgresReady": "False/Suspended", "Ready": "False/Suspended"},
		},
		{
			name: "external redis", sim: withRedisExternal(sample()),
			obs: func() Observed {
				o := allReady()
				o.Redis = nil
				return o
			},
			phase: v1alpha1.PhaseReady,
			want:  map[string]string{"RedisReady": "True/External", "Ready": "True/Ready"},
		},
		{
			name: "suspended", sim: withSuspend(withExternalStores(sample())), prev: v1alpha1.PhaseReady,
			obs:   func() Observed { return Observed{} },
			phase: v1alpha1.PhaseSuspended,
			want: map[string]string{
				"PostgresReady": "True/External", "QdrantReady": "True/External", "RedisReady": "False/Suspended",
				"MCPServerReady": "False/Suspended", "DiscordBotReady": "False/Suspended", "Ready": "False/Suspended",
			},
		},
		{
			name: "was ready, a replica died: degraded", sim: sample(), prev: v1alpha1.PhaseReady,
			obs: func() Observed {
				o := allReady()
				o.Postgres.Status.ReadyReplicas = 0
				return o
			},
			phase: v1alpha1.PhaseDegraded,
			want:  map[string]string{"PostgresReady": "False/Unavailable", "Ready": "False/Degraded"},
			msgOf: "PostgresReady", msg: "StatefulSet tavern-postgres: 0 of 1 replicas ready",
		},
		{
			name: "still starting: pods not ready yet is provisioning", sim: sample(), prev: v1alpha1.PhaseProvisioning,
			obs: func() Observed {
				o := allReady()
				o.Postgres.Status.ReadyReplicas = 0
				return o
			},
			phase: v1alpha1.PhaseProvisioning,
			want:  map[string]string{"PostgresReady": "False/Unavailable", "Ready": "False/Provisioning"},
		},
		{
			name: "rolling out more MCP replicas", sim: withMCPReplicas(3)(sample()), prev: v1alpha1.PhaseReady,
			obs: func() Observed {
				o := allReady()
				o.MCPServer.Status.UpdatedReplicas = 2
				return o
			},
			phase: v1alpha1.PhaseProvisioning,
			want:  map[string]string{"MCPServerReady": "False/Progressing"},
			msgOf: "MCPServerReady", msg: "2 of 3 replicas updated",
		},
		{
			name: "controller has not seen the new spec", sim: sample(), prev: v1alpha1.PhaseReady,
			obs: func() Observed {
				o := allReady()
				o.Qdrant.Generation = 3
				return o
			},
			phase: v1alpha1.PhaseProvisioning,
			want:  map[string]string{"QdrantReady": "False/Progressing"},
		},
		{
			name: "old pods still terminating", sim: sample(), prev: v1alpha1.PhaseReady,
			obs: func() Observed {
				o := allReady()
				o.MCPServer.Status.Replicas = 2
				return o
			},
			phase: v1alpha1.PhaseProvisioning,
			want:  map[string]string{"MCPServerReady": "False/Progressing"},
			msgOf: "MCPServerReady", msg: "1 old replicas terminating",
		},
		{
			name: "stalled rollout", sim: sample(), prev: v1alpha1.PhaseReady,
			obs: func() Observed {
				o := allReady()
				o.DiscordBot.Status.Conditions = []appsv1.DeploymentCondition{{
					Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse,
					Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "x" has timed out progressing.`,
				}}
				o.DiscordBot.Status.AvailableReplicas = 0
				return o
			},
			phase: v1alpha1.PhaseDegraded,
			want:  map[string]string{"DiscordBotReady": "False/Unavailable", "Ready": "False/Degraded"},
			msgOf: "DiscordBotReady", msg: "rollout stalled",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := tc.sim
			sim.Status.Phase = tc.prev
			sim.Status.ObservedGeneration = sim.Generation
			st := ComputeStatus(sim, tc.obs(), t0)
			if st.Phase != tc.phase {
				t.Errorf("phase = %s, want %s", st.Phase, tc.phase)
			}
			got := conditionSummary(st.Conditions)
			for typ, want := range tc.want {
				if got[typ] != want {
					t.Errorf("%s = %s, want %s", typ, got[typ], want)
				}
			}
			if len(st.Conditions) != 6 {
				t.Errorf("conditions = %v, want 6", got)
			}
			for _, c := range st.Conditions {
				if c.ObservedGeneration != sim.Generation || !c.LastTransitionTime.Equal(&t0) {
					t.Errorf("%s: observedGeneration %d time %v", c.Type, c.ObservedGeneration, c.LastTransitionTime)
				}
			}
			if tc.msgOf != "" {
				if c := meta.FindStatusCondition(st.Conditions, tc.msgOf); c == nil || !strings.Contains(c.Message, tc.msg) {
					t.Errorf("%s message = %+v, want it to contain %q", tc.msgOf, c, tc.msg)
				}
			}
			if st.ObservedGeneration != sim.Generation {
				t.Errorf("observedGeneration = %d, want %d", st.ObservedGeneration, sim.Generation)
			}
			if st.MCPEndpoint != "http://tavern-mcp-server.stories.svc:8000/mcp" {
				t.Errorf("mcpEndpoint = %s", st.MCPEndpoint)
			}
		})
	}
}

// TestComputeStatusIsStable: recomputing with nothing changed gives the same
// status, transition times included, so the reconciler writes nothing.
func TestComputeStatusIsStable(t *testing.T) {
	sim := sample()
	sim.Status = ComputeStatus(sim, allReady(), t0)
	again := ComputeStatus(sim, allReady(), t1)
	if !equality.Semantic.DeepEqual(sim.Status, again) {
		t.Errorf("status changed without a change:\n%+v\n%+v", sim.Status, again)
	}
	if tr := Transitions(sim.Status.Conditions, again.Conditions); len(tr) != 0 {
		t.Errorf("transitions without a change: %+v", tr)
	}
}

func TestFirstConditionsAreNoTransitions(t *testing.T) {
	sim := sample()
	first := ComputeStatus(sim, Observed{}, t0)
	if tr := Transitions(sim.Status.Conditions, first.Conditions); len(tr) != 0 {
		t.Errorf("the initial conditions are reported as transitions: %+v", tr)
	}
}

func TestComputeStatusTransitions(t *testing.T) {
	sim := sample()
	sim.Status = ComputeStatus(sim, allReady(), t0)

	broken := allReady()
	broken.Redis.Status.ReadyReplicas = 0
	next := ComputeStatus(sim, broken, t1)

	redis := meta.FindStatusCondition(next.Conditions, v1alpha1.ConditionRedisReady)
	if !redis.LastTransitionTime.Equal(&t1) {
		t.Errorf("RedisReady flipped but kept transition time %v", redis.LastTransitionTime)
	}
	pg := meta.FindStatusCondition(next.Conditions, v1alpha1.ConditionPostgresReady)
	if !pg.LastTransitionTime.Equal(&t0) {
		t.Errorf("PostgresReady did not flip but its transition time moved to %v", pg.LastTransitionTime)
	}

	tr := Transitions(sim.Status.Conditions, next.Conditions)
	got := map[string]bool{}
	for _, x := range tr {
		got[x.To.Type] = x.Regression()
		if x.From != metav1.ConditionTrue {
			t.Errorf("%s transitioned from %q, want True", x.To.Type, x.From)
		}
	}
	if len(got) != 2 || !got["RedisReady"] || !got["Ready"] {
		t.Errorf("transitions = %+v, want RedisReady and Ready, both regressions", tr)
	}
}

func TestComputeStatusKeepsOtherOwnersFields(t *testing.T) {
	sim := sample()
	sim.Status.LastBackup = &v1alpha1.LastBackupStatus{Name: "b-1", Phase: "Completed"}
	sim.Status.Conditions = []metav1.Condition{{
		Type: v1alpha1.ConditionLastBackupSucceeded, Status: metav1.ConditionTrue, Reason: "Completed", LastTransitionTime: t0,
	}}
	st := ComputeStatus(sim, allReady(), t1)
	if st.LastBackup == nil || st.LastBackup.Name != "b-1" {
		t.Errorf("lastBackup = %+v, want it kept", st.LastBackup)
	}
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionLastBackupSucceeded); c == nil || c.Reason != "Completed" {
		t.Errorf("LastBackupSucceeded = %+v, want it kept (the backup controller owns it)", c)
	}
	if sim.Status.Phase != "" || len(sim.Status.Conditions) != 1 {
		t.Error("ComputeStatus modified its input")
	}
}

func TestTransitionRegression(t *testing.T) {
	cases := []struct {
		from   metav1.ConditionStatus
		to     metav1.ConditionStatus
		reason string
		want   bool
	}{
		{from: metav1.ConditionTrue, to: metav1.ConditionFalse, reason: ReasonUnavailable, want: true},
		{from: metav1.ConditionTrue, to: metav1.ConditionFalse, reason: ReasonSuspended, want: false},
		{from: metav1.ConditionFalse, to: metav1.ConditionTrue, reason: ReasonReady, want: false},
	}
	for _, tc := range cases {
		tr := Transition{From: tc.from, To: metav1.Condition{Status: tc.to, Reason: tc.reason}}
		if got := tr.Regression(); got != tc.want {
			t.Errorf("%q -> %s (%s): regression = %v, want %v", tc.from, tc.to, tc.reason, got, tc.want)
		}
	}
}

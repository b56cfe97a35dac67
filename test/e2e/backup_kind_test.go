//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/api/v1alpha1"
	"github.com/mojin/charsim/internal/resources"
	"github.com/mojin/charsim/internal/store"
)

// neverSchedule is a backup schedule that does not fire during a test run
// (midnight of January 1st): the test starts the CronJob's Job itself.
const neverSchedule = "0 0 1 1 *"

// TestBackupRestoreKeepsRows writes rows through the MCP server of a
// simulation, backs it up with a Job of its real backup CronJob (charsimctl
// in the operator image, csi-hostpath snapshots), restores the backup into
// a new simulation and reads the same rows back through that one's MCP
// server.
func TestBackupRestoreKeepsRows(t *testing.T) {
	if suite.mode != modeInCluster {
		t.Skip("pods are simulated by kwok on the local cluster (CHARSIM_E2E_OPERATOR=local), so nothing serves MCP " +
			"and no CronJob runs; this test runs in make test-e2e-kind (CHARSIM_E2E_OPERATOR=in-cluster)")
	}
	namespace := newNamespace(t, "rows")
	r := &rowsRun{key: client.ObjectKey{Namespace: namespace, Name: "tavern"}}
	createSample(t, namespace, r.key.Name, func(sim *v1alpha1.CharacterSimulation) {
		withBackup(sim)
		sim.Spec.Backup.Schedule = neverSchedule
	})

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"rows written through the MCP server read back", r.writesRows},
		{"a Job of the backup CronJob completes a backup", r.backsUp},
		{"a simulation restored from the backup serves the same rows", r.restoredServesRows},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return // the later steps build on this one
		}
	}
}

// rowsRun is the state the steps of TestBackupRestoreKeepsRows share.
type rowsRun struct {
	key    client.ObjectKey
	sim    *v1alpha1.CharacterSimulation
	rows   simulationRows
	backup *v1alpha1.SimulationBackup
}

func (r *rowsRun) writesRows(t *testing.T) {
	r.sim = waitReady(t, r.key)
	eventually(t, readyTimeout, "the workloads of "+r.key.Name+" to settle", workloadsSettled(r.sim))
	session := mcpSession(t, r.key)
	r.rows = writeRows(t, session)
	assertRows(t, session, r.rows)
}

// backsUp runs the CronJob's Job as `kubectl create job --from=cronjob/...`
// does and checks the backup it made.
func (r *rowsRun) backsUp(t *testing.T) {
	cronJob := &batchv1.CronJob{}
	if err := suite.client.Get(t.Context(), client.ObjectKey{Namespace: r.key.Namespace, Name: resources.BackupName(r.key.Name)}, cronJob); err != nil {
		t.Fatalf("get the backup CronJob: %v", err)
	}
	job := jobFromCronJob(cronJob, cronJob.Name+"-manual")
	if err := suite.client.Create(t.Context(), job); err != nil {
		t.Fatalf("create Job %s from CronJob %s: %v", job.Name, cronJob.Name, err)
	}
	eventually(t, backupTimeout, "Job "+job.Name+" to succeed", jobSucceeded(job))

	var backups v1alpha1.SimulationBackupList
	err := suite.client.List(t.Context(), &backups, client.InNamespace(r.key.Namespace),
		client.MatchingLabels{resources.LabelSimulation: r.key.Name})
	if err != nil {
		t.Fatalf("list the backups of %s: %v", r.key.Name, err)
	}
	if len(backups.Items) != 1 {
		t.Fatalf("the Job left %d backups of %s, want 1", len(backups.Items), r.key.Name)
	}
	r.backup = &backups.Items[0]
	if r.backup.Spec.SimulationName != r.key.Name {
		t.Errorf("backup %s is of simulation %q, want %q", r.backup.Name, r.backup.Spec.SimulationName, r.key.Name)
	}
	assertBackupCompleted(t, r.backup, len(resources.DataVolumes(r.sim)))
}

func (r *rowsRun) restoredServesRows(t *testing.T) {
	key := client.ObjectKey{Namespace: r.key.Namespace, Name: "tavern-restored"}
	createSample(t, key.Namespace, key.Name, func(sim *v1alpha1.CharacterSimulation) {
		sim.Spec.Restore = &v1alpha1.RestoreSpec{BackupName: r.backup.Name}
	})
	sim := waitReady(t, key)
	eventually(t, readyTimeout, "the workloads of "+key.Name+" to settle", workloadsSettled(sim))
	if c := apimeta.FindStatusCondition(sim.Status.Conditions, v1alpha1.ConditionRestored); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("Restored = %+v, want True", c)
	}
	assertRows(t, mcpSession(t, key), r.rows)
}

// jobFromCronJob is the Job `kubectl create job name --from=cronjob/...`
// makes: the CronJob's job template, marked as started by hand and owned by
// the CronJob.
func jobFromCronJob(cronJob *batchv1.CronJob, name string) *batchv1.Job {
	annotations := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	maps.Copy(annotations, cronJob.Spec.JobTemplate.Annotations)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: cronJob.Namespace, Name: name,
			Labels: cronJob.Spec.JobTemplate.Labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: batchv1.SchemeGroupVersion.String(), Kind: "CronJob",
				Name: cronJob.Name, UID: cronJob.UID, Controller: ptr.To(true),
			}},
		},
		Spec: *cronJob.Spec.JobTemplate.Spec.DeepCopy(),
	}
}

// jobSucceeded is done when the Job is Complete, and fails the wait with the
// end of its pods' logs when it has Failed.
func jobSucceeded(job *batchv1.Job) check {
	return func(ctx context.Context) (string, bool, error) {
		if err := suite.client.Get(ctx, client.ObjectKeyFromObject(job), job); err != nil {
			return err.Error(), false, nil
		}
		for _, c := range job.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case batchv1.JobComplete:
				return "", true, nil
			case batchv1.JobFailed:
				pods, err := podsOf(ctx, job.Namespace, job.Spec.Selector)
				if err != nil {
					return "", false, fmt.Errorf("Job %s failed (%s: %s); its pods: %w", job.Name, c.Reason, c.Message, err)
				}
				return "", false, fmt.Errorf("Job %s failed (%s: %s); end of its pods' logs:\n%s", job.Name, c.Reason, c.Message, podLogTails(ctx, suite.clientset, pods, 40))
			}
		}
		s := job.Status
		return fmt.Sprintf("%d active, %d succeeded, %d failed", s.Active, s.Succeeded, s.Failed), false, nil
	}
}

// restoreChannel is the scene whose timeline the test writes.
const restoreChannel = "tavern-hall"

// simulationRows are what the test wrote through the MCP server, as the
// server returned them: in each store, rows of several tables.
type simulationRows struct {
	character store.Character
	memories  []store.Memory        // oldest first
	events    []store.TimelineEvent // oldest first
}

// writeRows creates a character with memories of every kind and a scene's
// timeline.
func writeRows(t *testing.T, session *mcp.ClientSession) simulationRows {
	t.Helper()
	var rows simulationRows
	rows.character = callTool[store.Character](t, session, "create_character", map[string]any{
		"name": "Aria", "personality": "warm, wary of strangers", "background": "keeps the tavern her mother built",
		"goals": []string{"keep the tavern open through winter"},
	})
	for _, m := range []map[string]any{
		{"kind": "episodic", "user": "user-sam", "text": "Sam told Aria that his sister Mia flies cargo planes over the northern sea."},
		{"kind": "semantic", "text": "The cellar door sticks unless you lift it while turning the key."},
		{"kind": "reflection", "text": "Aria trusts travellers who pay before they drink."},
	} {
		m["character"] = rows.character.Name
		rows.memories = append(rows.memories, callTool[store.Memory](t, session, "remember", m))
	}
	for _, e := range []map[string]any{
		{"type": "action", "description": "Aria opens the tavern at dusk and lights the lanterns."},
		{"type": "character_intro", "description": "Sam arrives soaked from the storm and asks for a room."},
		{"type": "decision", "description": "Aria lets Sam sleep in the cellar for free."},
	} {
		e["channel"], e["character"] = restoreChannel, rows.character.Name
		rows.events = append(rows.events, callTool[store.TimelineEvent](t, session, "add_event", e))
	}
	return rows
}

// assertRows reads the rows back through the MCP server: the character,
// its memories listed (PostgreSQL) and recalled by meaning (Qdrant), and
// the scene's timeline.
func assertRows(t *testing.T, session *mcp.ClientSession, want simulationRows) {
	t.Helper()
	characters := callTool[struct{ Characters []store.Character }](t, session, "list_characters", map[string]any{}).Characters
	if len(characters) != 1 || !sameCharacter(characters[0], want.character) {
		t.Errorf("list_characters = %+v, want just %+v", characters, want.character)
	}

	listed := callTool[struct{ Memories []store.Memory }](t, session, "list_memories", map[string]any{
		"character": want.character.Name, "limit": 200,
	}).Memories
	if got, wantTexts := memoryTexts(listed), memoryTexts(want.memories); !maps.Equal(got, wantTexts) {
		t.Errorf("list_memories = %v, want %v", got, wantTexts)
	}
	for _, m := range want.memories {
		recalled := callTool[struct{ Memories []store.Memory }](t, session, "recall", map[string]any{
			"character": want.character.Name, "query": m.Text, "limit": len(want.memories),
		}).Memories
		if len(recalled) == 0 || recalled[0].ID != m.ID || len(recalled) != len(want.memories) {
			t.Errorf("recall %q = %v, want all %d memories, %s first", m.Text, memoryTexts(recalled), len(want.memories), m.ID)
		}
	}

	events := callTool[struct{ Events []store.TimelineEvent }](t, session, "get_timeline", map[string]any{
		"channel": restoreChannel,
	}).Events
	if !slices.EqualFunc(events, want.events, sameEvent) {
		t.Errorf("get_timeline %s = %+v, want %+v", restoreChannel, events, want.events)
	}
}

func sameCharacter(a, b store.Character) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Personality == b.Personality &&
		a.Background == b.Background && slices.Equal(a.Goals, b.Goals)
}

func sameEvent(a, b store.TimelineEvent) bool {
	return a.ID == b.ID && a.Description == b.Description && a.Type == b.Type &&
		a.CharacterID == b.CharacterID && a.ParentID == b.ParentID
}

// memoryTexts maps memories' IDs to their kind and text.
func memoryTexts(memories []store.Memory) map[string]string {
	out := make(map[string]string, len(memories))
	for _, m := range memories {
		out[m.ID] = string(m.Kind) + ": " + m.Text
	}
	return out
}

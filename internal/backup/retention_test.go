package backup

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// history builds backups of simulation "tavern", oldest first, one minute
// apart, with the given phases ("C" Completed, "F" Failed, "R" Running).
func history(phases ...string) []v1alpha1.SimulationBackup {
	names := map[string]v1alpha1.BackupPhase{"C": v1alpha1.BackupCompleted, "F": v1alpha1.BackupFailed, "R": v1alpha1.BackupRunning}
	var out []v1alpha1.SimulationBackup
	for i, p := range phases {
		out = append(out, v1alpha1.SimulationBackup{
			ObjectMeta: metav1.ObjectMeta{
				Name:              "b" + string(rune('a'+i)),
				CreationTimestamp: metav1.NewTime(started.Add(time.Duration(i) * time.Minute)),
			},
			Spec:   v1alpha1.SimulationBackupSpec{SimulationName: "tavern"},
			Status: v1alpha1.SimulationBackupStatus{Phase: names[p]},
		})
	}
	return out
}

func names(bs []*v1alpha1.SimulationBackup) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	slices.Sort(out)
	return out
}

func TestPrune(t *testing.T) {
	other := history("C", "C", "C")
	for i := range other {
		other[i].Spec.SimulationName = "other"
		other[i].Name = "other-" + other[i].Name
	}
	cases := []struct {
		name     string
		backups  []v1alpha1.SimulationBackup
		keepLast int
		want     []string
	}{
		{"under the limit", history("C", "C"), 3, nil},
		{"oldest completed beyond the limit", history("C", "C", "C", "C"), 2, []string{"ba", "bb"}},
		{"failed backups count and go too", history("C", "F", "C", "F"), 2, []string{"ba", "bb"}},
		{"the newest completed is kept behind failures", history("C", "C", "F", "F", "F"), 2, []string{"ba", "bc"}},
		{"keepLast 1 after a failure keeps the last success", history("C", "F"), 1, nil},
		{"running backups are never pruned nor counted", history("C", "C", "R", "R"), 1, []string{"ba"}},
		{"other simulations' backups are not touched", append(history("C", "C"), other...), 1, []string{"ba"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(Prune(tc.backups, "tavern", tc.keepLast)); !slices.Equal(got, tc.want) {
				t.Errorf("pruned %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLatest(t *testing.T) {
	newest, finished := Latest(history("C", "F", "R"), "tavern")
	if newest == nil || newest.Name != "bc" || finished == nil || finished.Name != "bb" {
		t.Errorf("Latest = %v, %v; want bc (running) and bb (newest finished)", newest, finished)
	}
	if n, f := Latest(history("R"), "tavern"); n == nil || f != nil {
		t.Errorf("Latest of one running backup = %v, %v", n, f)
	}
	if n, f := Latest(nil, "tavern"); n != nil || f != nil {
		t.Errorf("Latest of nothing = %v, %v", n, f)
	}
	if c := NewestCompleted(history("C", "C", "F", "R"), "tavern"); c == nil || c.Name != "bb" {
		t.Errorf("NewestCompleted = %v, want bb", c)
	}
	if c := NewestCompleted(history("F"), "tavern"); c != nil {
		t.Errorf("NewestCompleted without a Completed backup = %v", c)
	}
}

package backup

import (
	"cmp"
	"slices"

	"github.com/mojin/charsim/api/v1alpha1"
)

// ofSimulation are the backups of one simulation, newest first.
func ofSimulation(backups []v1alpha1.SimulationBackup, simulation string) []*v1alpha1.SimulationBackup {
	var out []*v1alpha1.SimulationBackup
	for i := range backups {
		if backups[i].Spec.SimulationName == simulation && backups[i].DeletionTimestamp.IsZero() {
			out = append(out, &backups[i])
		}
	}
	slices.SortFunc(out, newestFirst)
	return out
}

// newestFirst orders backups by creation, newest first; names break ties
// within a second so the order is stable.
func newestFirst(a, b *v1alpha1.SimulationBackup) int {
	if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(b.Name, a.Name)
}

// Prune returns the backups of the simulation that retention deletes: the
// finished (Completed or Failed) ones beyond the keepLast newest, except
// the newest Completed backup, which is kept whatever came after it so
// there is always something to restore. Running and Pending backups are
// never pruned.
func Prune(backups []v1alpha1.SimulationBackup, simulation string, keepLast int) []*v1alpha1.SimulationBackup {
	var finished []*v1alpha1.SimulationBackup
	for _, b := range ofSimulation(backups, simulation) {
		if b.Status.Phase.Finished() {
			finished = append(finished, b)
		}
	}
	newestCompleted := slices.IndexFunc(finished, func(b *v1alpha1.SimulationBackup) bool {
		return b.Status.Phase == v1alpha1.BackupCompleted
	})
	var prune []*v1alpha1.SimulationBackup
	for i, b := range finished {
		if i >= keepLast && i != newestCompleted {
			prune = append(prune, b)
		}
	}
	return prune
}

// Latest returns the newest backup of the simulation, and the newest
// finished one; nil when there is none.
func Latest(backups []v1alpha1.SimulationBackup, simulation string) (newest, newestFinished *v1alpha1.SimulationBackup) {
	for _, b := range ofSimulation(backups, simulation) {
		if newest == nil {
			newest = b
		}
		if b.Status.Phase.Finished() {
			return newest, b
		}
	}
	return newest, nil
}

// NewestCompleted returns the newest Completed backup of the simulation, or nil.
func NewestCompleted(backups []v1alpha1.SimulationBackup, simulation string) *v1alpha1.SimulationBackup {
	for _, b := range ofSimulation(backups, simulation) {
		if b.Status.Phase == v1alpha1.BackupCompleted {
			return b
		}
	}
	return nil
}

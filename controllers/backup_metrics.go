package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Backup metrics, served with controller-runtime's on the manager's metrics
// endpoint.
var (
	backupLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "charsim_backup_last_success_timestamp_seconds",
		Help: "Completion time (Unix seconds) of the newest Completed SimulationBackup of each simulation.",
	}, []string{"namespace", "simulation"})
	backupDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "charsim_backup_duration_seconds",
		Help:    "Time from a SimulationBackup's start until it Completed or Failed.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
	}, []string{"namespace", "simulation", "phase"})
	backupFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "charsim_backup_failures_total",
		Help: "SimulationBackups that Failed, by reason.",
	}, []string{"namespace", "simulation", "reason"})
)

func init() {
	metrics.Registry.MustRegister(backupLastSuccess, backupDuration, backupFailures)
}

// recordFinished counts a backup that just finished.
func recordFinished(b *v1alpha1.SimulationBackup, reason string) {
	if b.Status.StartTime != nil && b.Status.CompletionTime != nil {
		backupDuration.WithLabelValues(b.Namespace, b.Spec.SimulationName, string(b.Status.Phase)).
			Observe(b.Status.CompletionTime.Sub(b.Status.StartTime.Time).Seconds())
	}
	if b.Status.Phase == v1alpha1.BackupFailed {
		backupFailures.WithLabelValues(b.Namespace, b.Spec.SimulationName, reason).Inc()
	}
}

// recordLastSuccess sets the last-success gauge from the newest Completed
// backup, so it is right again after the manager restarts.
func recordLastSuccess(b *v1alpha1.SimulationBackup) {
	if b.Status.Phase == v1alpha1.BackupCompleted && b.Status.CompletionTime != nil {
		backupLastSuccess.WithLabelValues(b.Namespace, b.Spec.SimulationName).Set(float64(b.Status.CompletionTime.Unix()))
	}
}

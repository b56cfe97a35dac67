package resources

import (
	"k8s.io/apimachinery/pkg/api/resource"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Managed PostgreSQL settings.
const (
	PostgresPort     int32 = 5432
	PostgresUser           = "charsim"
	PostgresDatabase       = "charsim"

	postgresPortName = "postgres"
	postgresDataDir  = "/var/lib/postgresql/data"
	// PGDATA is a subdirectory of the volume: initdb refuses a non-empty
	// directory, and a fresh volume's root may hold lost+found.
	postgresPGDATA = postgresDataDir + "/pgdata"
	volumeRun      = "run"
)

var defaultPostgresSize = resource.MustParse("10Gi")

// postgresObjects runs the managed PostgreSQL; an external one needs none.
func postgresObjects(sim *v1alpha1.CharacterSimulation) ([]Object, error) {
	spec := sim.Spec.Postgres
	if spec.External != nil {
		return nil, nil
	}
	credentials := PostgresCredentialsName(sim.Name)
	// pg_isready against TCP, not the socket: the server only accepts TCP once
	// the entrypoint's private initialisation server has stopped.
	ready := []string{"pg_isready", "-U", PostgresUser, "-d", PostgresDatabase, "-h", "127.0.0.1"}
	container := corev1ac.Container().
		WithName(ComponentPostgres).
		WithImage(spec.Image).
		WithPorts(containerPort(postgresPortName, PostgresPort)).
		WithEnv(
			envSecret("POSTGRES_USER", credentials, KeyUsername),
			envSecret("POSTGRES_PASSWORD", credentials, KeyPassword),
			envSecret("POSTGRES_DB", credentials, KeyDatabase),
			envValue("PGDATA", postgresPGDATA),
		).
		WithResources(resources(spec.Resources)).
		WithSecurityContext(restrictedContainerSecurityContext()).
		WithVolumeMounts(
			mount(DataVolumeName, postgresDataDir),
			mount(volumeRun, "/var/run/postgresql"),
			mount(volumeTmp, "/tmp"),
		).
		// initdb on a slow volume can take minutes; liveness waits for it.
		WithStartupProbe(execProbe(ready...).WithPeriodSeconds(5).WithFailureThreshold(60)).
		WithReadinessProbe(execProbe(ready...).WithPeriodSeconds(10).WithTimeoutSeconds(5)).
		WithLivenessProbe(execProbe(ready...).WithPeriodSeconds(10).WithTimeoutSeconds(5).WithFailureThreshold(6))
	return storeObjects(sim, storeParams{
		component:   ComponentPostgres,
		name:        PostgresName(sim.Name),
		headless:    PostgresHeadlessName(sim.Name),
		field:       "spec.postgres",
		uid:         postgresUID,
		storage:     spec.Storage,
		defaultSize: defaultPostgresSize,
		scheduling:  spec.PodScheduling,
		ports:       []*corev1ac.ServicePortApplyConfiguration{servicePort(postgresPortName, PostgresPort)},
		container:   container,
		volumes:     []*corev1ac.VolumeApplyConfiguration{emptyDir(volumeRun), emptyDir(volumeTmp)},
	})
}

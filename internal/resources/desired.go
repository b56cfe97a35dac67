package resources

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Object is one desired child: an apply configuration that knows its kind
// and name, so the reconciler can tell which existing children are obsolete.
type Object interface {
	runtime.ApplyConfiguration
	GetKind() *string
	GetName() *string
}

// Desired returns every object the simulation should have, except the
// generated Secrets (see GeneratedSecrets), which are created once rather
// than applied. The order is dependency order: stores before their clients.
// secrets are the versions of the Secrets named by UserSecretNames; they
// only feed the pod templates' AnnotationSecretsHash.
func Desired(sim *v1alpha1.CharacterSimulation, opts Options, secrets SecretVersions) ([]Object, error) {
	builders := []func() ([]Object, error){
		func() ([]Object, error) { return networkPolicies(sim) },
		func() ([]Object, error) { return postgresObjects(sim) },
		func() ([]Object, error) { return qdrantObjects(sim) },
		func() ([]Object, error) { return redisObjects(sim) },
		func() ([]Object, error) { return mcpServerObjects(sim, opts, secrets) },
		func() ([]Object, error) { return discordBotObjects(sim, opts, secrets) },
		func() ([]Object, error) { return backupObjects(sim, opts) },
	}
	var out []Object
	for _, build := range builders {
		objs, err := build()
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

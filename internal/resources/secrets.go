package resources

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Keys of the generated Secrets.
const (
	KeyUsername  = "username"
	KeyPassword  = "password"
	KeyDatabase  = "database"
	KeyURL       = "url"
	KeyAPIKey    = "api-key"
	KeyRedisConf = "redis.conf"
	KeyToken     = "token"
)

// GeneratedSecret is a credential Secret the operator creates once, from one
// random value, and never changes afterwards.
//
// The stores' credentials (PostgreSQL, Qdrant, Redis) have no owner: like the
// volume claims, which the StatefulSets retain when the simulation is
// deleted, they outlive the simulation. The password is baked into the
// retained data directory, so a simulation re-created under the same name,
// or switched from an external store back to a managed one, must find the
// same Secret rather than a freshly generated password the data no longer
// accepts. Their labels still name the simulation, so they can be found and
// deleted together with the volumes. The MCP bearer token protects no data
// at rest and is owned (garbage-collected) like every other child.
type GeneratedSecret struct {
	// Name of the Secret.
	Name string
	// Build returns the Secret for a random value drawn by the caller.
	Build func(random string) *corev1.Secret
}

// GeneratedSecrets lists the credential Secrets the simulation needs now.
func GeneratedSecrets(sim *v1alpha1.CharacterSimulation) []GeneratedSecret {
	var out []GeneratedSecret
	if sim.Spec.Postgres.External == nil {
		out = append(out, GeneratedSecret{
			Name:  PostgresCredentialsName(sim.Name),
			Build: func(pw string) *corev1.Secret { return PostgresCredentials(sim, pw) },
		})
	}
	if qdrantManaged(sim) {
		out = append(out, GeneratedSecret{
			Name:  QdrantCredentialsName(sim.Name),
			Build: func(key string) *corev1.Secret { return QdrantCredentials(sim, key) },
		})
	}
	if sim.Spec.Redis.Mode == v1alpha1.RedisManaged {
		out = append(out, GeneratedSecret{
			Name:  RedisCredentialsName(sim.Name),
			Build: func(pw string) *corev1.Secret { return RedisCredentials(sim, pw) },
		})
	}
	if sim.Spec.MCPServer.AuthTokenSecretRef == nil {
		out = append(out, GeneratedSecret{
			Name:  MCPAuthName(sim.Name),
			Build: func(token string) *corev1.Secret { return MCPAuthSecret(sim, token) },
		})
	}
	return out
}

// PostgresCredentials holds the managed database's login and a ready URL.
// The password must be URL-safe: it is embedded in the URL as is.
func PostgresCredentials(sim *v1alpha1.CharacterSimulation, password string) *corev1.Secret {
	url := fmt.Sprintf("postgres://%s:%s@%s.%s.svc:%d/%s?sslmode=disable",
		PostgresUser, password, PostgresName(sim.Name), sim.Namespace, PostgresPort, PostgresDatabase)
	return generatedSecret(sim, ComponentPostgres, PostgresCredentialsName(sim.Name), map[string]string{
		KeyUsername: PostgresUser,
		KeyPassword: password,
		KeyDatabase: PostgresDatabase,
		KeyURL:      url,
	})
}

// QdrantCredentials holds the managed Qdrant's API key.
func QdrantCredentials(sim *v1alpha1.CharacterSimulation, apiKey string) *corev1.Secret {
	return generatedSecret(sim, ComponentQdrant, QdrantCredentialsName(sim.Name), map[string]string{
		KeyAPIKey: apiKey,
	})
}

// RedisCredentials holds the managed Redis password, a ready URL and the
// server configuration, so the password is set from a file and never appears
// on a command line. The password must be URL-safe.
func RedisCredentials(sim *v1alpha1.CharacterSimulation, password string) *corev1.Secret {
	url := fmt.Sprintf("redis://:%s@%s.%s.svc:%d/0", password, RedisName(sim.Name), sim.Namespace, RedisPort)
	conf := fmt.Sprintf("port %d\nrequirepass %s\ndir /data\nappendonly yes\n", RedisPort, password)
	return generatedSecret(sim, ComponentRedis, RedisCredentialsName(sim.Name), map[string]string{
		KeyPassword:  password,
		KeyURL:       url,
		KeyRedisConf: conf,
	})
}

// MCPAuthSecret holds the bearer token MCP clients send. Unlike the stores'
// credentials it is owned by the simulation: nothing outlives it that needs
// the old token.
func MCPAuthSecret(sim *v1alpha1.CharacterSimulation, token string) *corev1.Secret {
	secret := generatedSecret(sim, ComponentMCPServer, MCPAuthName(sim.Name), map[string]string{
		KeyToken: token,
	})
	secret.OwnerReferences = []metav1.OwnerReference{controllerRef(sim)}
	return secret
}

// generatedSecret is immutable: the API server itself refuses any change to
// the credentials, so they cannot be rotated by accident. It has no owner
// (see GeneratedSecret).
func generatedSecret(sim *v1alpha1.CharacterSimulation, component, name string, data map[string]string) *corev1.Secret {
	immutable := true
	bytes := make(map[string][]byte, len(data))
	for k, v := range data {
		bytes[k] = []byte(v)
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: sim.Namespace,
			Labels:    Labels(sim, component),
		},
		Type:      corev1.SecretTypeOpaque,
		Immutable: &immutable,
		Data:      bytes,
	}
}

package resources

import (
	"k8s.io/apimachinery/pkg/api/resource"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/mojin/charsim/api/v1alpha1"
)

// Managed Redis settings.
const (
	RedisPort int32 = 6379

	redisPortName  = "redis"
	redisConfigDir = "/etc/redis"
	volumeConfig   = "config"
)

var defaultRedisSize = resource.MustParse("1Gi")

// redisObjects runs the managed Redis; external or disabled Redis needs none.
func redisObjects(sim *v1alpha1.CharacterSimulation) ([]Object, error) {
	spec := sim.Spec.Redis
	if spec.Mode != v1alpha1.RedisManaged {
		return nil, nil
	}
	credentials := RedisCredentialsName(sim.Name)
	// redis-cli exits 0 on some error replies (LOADING, NOAUTH), so the probe
	// checks for PONG. REDISCLI_AUTH keeps the password off the command line.
	ping := []string{"sh", "-c", `test "$(redis-cli -h 127.0.0.1 ping)" = PONG`}
	container := corev1ac.Container().
		WithName(ComponentRedis).
		WithImage(spec.Image).
		// The password is in the mounted config file, never in the arguments.
		WithArgs("redis-server", redisConfigDir+"/"+KeyRedisConf).
		WithPorts(containerPort(redisPortName, RedisPort)).
		WithEnv(envSecret("REDISCLI_AUTH", credentials, KeyPassword)).
		WithResources(resources(spec.Resources)).
		WithSecurityContext(restrictedContainerSecurityContext()).
		WithVolumeMounts(
			mount(DataVolumeName, "/data"),
			mount(volumeConfig, redisConfigDir).WithReadOnly(true),
			mount(volumeTmp, "/tmp"),
		).
		WithReadinessProbe(execProbe(ping...).WithPeriodSeconds(10).WithTimeoutSeconds(5)).
		WithLivenessProbe(execProbe(ping...).WithPeriodSeconds(10).WithTimeoutSeconds(5).WithFailureThreshold(6))
	config := corev1ac.Volume().WithName(volumeConfig).WithSecret(corev1ac.SecretVolumeSource().
		WithSecretName(credentials).
		WithItems(corev1ac.KeyToPath().WithKey(KeyRedisConf).WithPath(KeyRedisConf)).
		WithDefaultMode(0o440))
	return storeObjects(sim, storeParams{
		component:   ComponentRedis,
		name:        RedisName(sim.Name),
		headless:    RedisHeadlessName(sim.Name),
		field:       "spec.redis",
		uid:         redisUID,
		storage:     spec.Storage,
		defaultSize: defaultRedisSize,
		scheduling:  spec.PodScheduling,
		ports:       []*corev1ac.ServicePortApplyConfiguration{servicePort(redisPortName, RedisPort)},
		container:   container,
		volumes:     []*corev1ac.VolumeApplyConfiguration{config, emptyDir(volumeTmp)},
	})
}

// redisURLEnv is REDIS_URL for the MCP server and the bot, or nil when Redis
// is disabled.
func redisURLEnv(sim *v1alpha1.CharacterSimulation) *corev1ac.EnvVarApplyConfiguration {
	switch sim.Spec.Redis.Mode {
	case v1alpha1.RedisManaged:
		return envSecret(EnvRedisURL, RedisCredentialsName(sim.Name), KeyURL)
	case v1alpha1.RedisExternal:
		if sim.Spec.Redis.External != nil {
			return envSecretRef(EnvRedisURL, sim.Spec.Redis.External.URLSecretRef)
		}
	}
	return nil
}

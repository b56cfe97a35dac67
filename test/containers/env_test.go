//go:build containers

package containers

import (
	"os"
	"testing"
)

// The environment hack/test-containers.sh gives the tier.
const (
	envMCPImage      = "CHARSIM_TEST_MCP_SERVER_IMAGE"
	envBotImage      = "CHARSIM_TEST_DISCORD_BOT_IMAGE"
	envPostgresImage = "CHARSIM_TEST_POSTGRES_IMAGE"
	envRedisImage    = "CHARSIM_TEST_REDIS_IMAGE"
	envPostgresURL   = "CHARSIM_TEST_POSTGRES_URL"
	envRedisURL      = "CHARSIM_TEST_REDIS_URL"
)

// required is an environment variable the tier cannot run without: its
// absence fails the test, it never skips it.
func required(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the tier with hack/test-containers.sh (make test-containers)", name)
	}
	return v
}

// Package testsvc gives tests the real PostgreSQL and Redis servers they need.
//
// The shared servers come from hack/test-services.sh (run by `make test`),
// which exports their URLs in CHARSIM_TEST_POSTGRES_URL and
// CHARSIM_TEST_REDIS_URL. A test that needs a server and finds no URL fails,
// telling how to start one; only under `go test -short` does it skip.
package testsvc

import (
	"fmt"
	"os"
	"testing"
)

// Environment variables with the URLs of the shared test servers.
const (
	EnvPostgresURL = "CHARSIM_TEST_POSTGRES_URL"
	EnvRedisURL    = "CHARSIM_TEST_REDIS_URL"
)

// PostgresURL returns the URL of the shared test PostgreSQL server (its
// "postgres" database; use NewDatabase for a database of your own).
func PostgresURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, EnvPostgresURL, "PostgreSQL")
}

// RedisURL returns the URL of the shared test Redis server.
func RedisURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, EnvRedisURL, "Redis")
}

func serviceURL(t testing.TB, env, service string) string {
	t.Helper()
	if u := os.Getenv(env); u != "" {
		return u
	}
	msg := fmt.Sprintf("%s is not set and this test needs a real %s server: run `make test`, "+
		"or `hack/test-services.sh start && source .local/test-services.env` before `go test`", env, service)
	if testing.Short() {
		t.Skip(msg + " (skipped because of -short)")
	}
	t.Fatal(msg)
	return ""
}

package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/version"
)

func noEnv(string) (string, bool) { return "", false }

// TestNoToken: without a token the bot stops at once with one line that
// says what to set.
func TestNoToken(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(nil, noEnv, &stdout, &stderr)
	if err == nil {
		t.Fatal("run without a token succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "DISCORD_TOKEN is not set: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE)") {
		t.Errorf("error %q, want one line naming DISCORD_TOKEN", msg)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("output before the error: %q %q", stdout.String(), stderr.String())
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if err := run([]string{"--version"}, noEnv, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(stdout.String()); got != version.Version {
		t.Errorf("version %q, want %q", got, version.Version)
	}
}

// TestHealthCheck: --healthcheck probes /healthz at BOT_HEALTH_ADDR, with no
// token needed, and fails when nothing healthy answers.
func TestHealthCheck(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy {
			http.Error(w, "gateway disconnected", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	env := func(name string) (string, bool) {
		if name == "BOT_HEALTH_ADDR" {
			return strings.TrimPrefix(srv.URL, "http://"), true
		}
		return "", false
	}
	if err := run([]string{"--healthcheck"}, env, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatalf("healthy bot: %v", err)
	}
	healthy = false
	if err := run([]string{"--healthcheck"}, env, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "gateway disconnected") {
		t.Fatalf("unhealthy bot: want the reason, got %v", err)
	}
}

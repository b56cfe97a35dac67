package main

import (
	"bytes"
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

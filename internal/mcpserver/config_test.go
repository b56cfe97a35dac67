package mcpserver

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(nil, lookupIn(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != ":8000" || cfg.DataDir != "./character_data" || cfg.DatabaseURL != "" ||
		cfg.RedisURL != "" || cfg.AuthToken != "" || cfg.Stdio || cfg.LogLevel != slog.LevelInfo ||
		cfg.Memory.Embedding.Provider != "builtin" || cfg.Memory.Qdrant.Enabled() {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestLoadConfigEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{
		"MCP_LISTEN_ADDR":       "127.0.0.1:9000",
		"TIMELINE_DATABASE_URL": "postgres://u:pw@db/charsim",
		"CHARACTER_DATA_DIR":    "/data",
		"REDIS_URL":             "redis://:pw@redis:6379/1",
		"MCP_AUTH_TOKEN":        "tok",
		"LOG_LEVEL":             "debug",
		"QDRANT_URL":            "http://qdrant:6334",
	}
	cfg, err := LoadConfig(nil, lookupIn(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != "127.0.0.1:9000" || cfg.DatabaseURL != env["TIMELINE_DATABASE_URL"] || cfg.DataDir != "/data" ||
		cfg.RedisURL != env["REDIS_URL"] || cfg.AuthToken != "tok" || cfg.LogLevel != slog.LevelDebug ||
		cfg.Memory.Qdrant.Host != "qdrant" {
		t.Errorf("from environment = %+v", cfg)
	}

	env["DATABASE_URL"] = "postgres://other/db"
	cfg, err = LoadConfig([]string{"--listen", ":7000", "--stdio", "--data-dir", "/d2", "--log-level", "warn"}, lookupIn(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://other/db" {
		t.Errorf("DATABASE_URL should win over TIMELINE_DATABASE_URL, got %q", cfg.DatabaseURL)
	}
	if cfg.ListenAddr != ":7000" || !cfg.Stdio || cfg.DataDir != "/d2" || cfg.LogLevel != slog.LevelWarn {
		t.Errorf("flags should win over the environment: %+v", cfg)
	}
}

func TestLoadConfigTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(nil, lookupIn(map[string]string{"MCP_AUTH_TOKEN_FILE": path}), io.Discard)
	if err != nil || cfg.AuthToken != "from-file" {
		t.Fatalf("token from file = %q, %v", cfg.AuthToken, err)
	}
	_, err = LoadConfig(nil, lookupIn(map[string]string{"MCP_AUTH_TOKEN_FILE": path, "MCP_AUTH_TOKEN": "x"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "MCP_AUTH_TOKEN") {
		t.Errorf("both token sources: %v, want an error naming MCP_AUTH_TOKEN", err)
	}
}

func TestLoadConfigErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env: map[string]string{"LOG_LEVEL": "loud"}, want: "LOG_LEVEL"},
		{env: map[string]string{"REDIS_URL": "http://redis:6379"}, want: "REDIS_URL"},
		{env: map[string]string{"MCP_AUTH_TOKEN_FILE": "/nonexistent/token"}, want: "MCP_AUTH_TOKEN_FILE"},
		{env: map[string]string{"EMBEDDING_PROVIDER": "magic"}, want: "EMBEDDING_PROVIDER"},
		{env: map[string]string{"RECALL_WEIGHT_RECENCY": "-1"}, want: "RECALL_WEIGHT_RECENCY"},
		{args: []string{"--listen"}, want: "listen"},
		{args: []string{"serve"}, want: "unexpected arguments"},
	} {
		_, err := LoadConfig(tc.args, lookupIn(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v args %v: %v, want an error naming %s", tc.env, tc.args, err, tc.want)
		}
	}
}

// TestSecretsStayOutOfLogs logs the configuration the way the server does at
// start and checks that no credential shows up.
func TestSecretsStayOutOfLogs(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":      "postgres://charsim:db-pass@db:5432/charsim?sslmode=disable&password=qp-pass",
		"REDIS_URL":         "redis://default:redis-pass@redis:6379/0",
		"MCP_AUTH_TOKEN":    "mcp-token",
		"EMBEDDING_API_KEY": "embed-key",
	}
	cfg, err := LoadConfig(nil, lookupIn(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	NewLogger(&out, slog.LevelInfo).Info("starting", "config", cfg)
	for _, secret := range []string{"db-pass", "qp-pass", "redis-pass", "mcp-token", "embed-key"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("log leaks %q: %s", secret, out.String())
		}
	}
	for _, kept := range []string{"db:5432", "redis:6379", `"auth":true`} {
		if !strings.Contains(out.String(), kept) {
			t.Errorf("log lacks %q: %s", kept, out.String())
		}
	}
}

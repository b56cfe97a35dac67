package bot

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/turn"
)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(nil, lookupIn(map[string]string{"DISCORD_TOKEN": "Bot  abc.def "}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Token != "abc.def" {
		t.Errorf("token %q, want the bare token without the Bot scheme", string(cfg.Token))
	}
	if cfg.MCPServerURL != DefaultMCPServerURL || cfg.HealthAddr != ":8080" || cfg.LLM.Enabled() || len(cfg.GuildIDs) != 0 {
		t.Errorf("defaults %+v", cfg)
	}
	if cfg.UserRate != (Rate{8, time.Minute}) || cfg.ChannelRate != (Rate{30, time.Minute}) {
		t.Errorf("rates %v %v, want 8/1m and 30/1m", cfg.UserRate, cfg.ChannelRate)
	}
	if cfg.LLM.Timeout != turn.DefaultLLMTimeout || cfg.LLM.MaxRetries != turn.DefaultLLMMaxRetries {
		t.Errorf("LLM defaults %+v", cfg.LLM)
	}
}

func TestLoadConfigEverything(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"--health-addr", ":9090", "--log-level", "debug"}, lookupIn(map[string]string{
		"DISCORD_TOKEN_FILE":     tokenFile,
		"DISCORD_GUILD_IDS":      "123456789012345678, 223456789012345678",
		"MCP_SERVER_URL":         "http://mcp-server:8000",
		"MCP_AUTH_TOKEN":         "mcp-secret",
		"LLM_BASE_URL":           "http://ollama:11434/v1/",
		"LLM_MODEL":              "llama3.1",
		"LLM_API_KEY":            "llm-secret",
		"LLM_TIMEOUT":            "90s",
		"LLM_MAX_RETRIES":        "0",
		"REDIS_URL":              "redis://:pw@redis:6379/1",
		"BOT_RATE_LIMIT_USER":    "3/10s",
		"BOT_RATE_LIMIT_CHANNEL": "off",
		"AVATAR_BASE_URL":        "https://charsim.example.org/",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.Token != "file-token":
		t.Errorf("token from the file: %q", string(cfg.Token))
	case strings.Join(cfg.GuildIDs, ",") != "123456789012345678,223456789012345678":
		t.Errorf("guilds %v", cfg.GuildIDs)
	case cfg.MCPServerURL != "http://mcp-server:8000/mcp":
		t.Errorf("MCP URL %q, want /mcp added", cfg.MCPServerURL)
	case cfg.LLM.BaseURL != "http://ollama:11434/v1" || cfg.LLM.Timeout != 90*time.Second || cfg.LLM.MaxRetries != 0:
		t.Errorf("LLM %+v", cfg.LLM)
	case cfg.UserRate != (Rate{3, 10 * time.Second}) || !cfg.ChannelRate.Unlimited():
		t.Errorf("rates %v %v", cfg.UserRate, cfg.ChannelRate)
	case cfg.AvatarBaseURL != "https://charsim.example.org":
		t.Errorf("avatar base URL %q, want the trailing slash removed", cfg.AvatarBaseURL)
	case cfg.HealthAddr != ":9090" || cfg.LogLevel.String() != "DEBUG":
		t.Errorf("flags: %q %v", cfg.HealthAddr, cfg.LogLevel)
	}
	logged := cfg.LogValue().String()
	for _, secret := range []string{"file-token", "mcp-secret", "llm-secret", ":pw@"} {
		if strings.Contains(logged, secret) {
			t.Errorf("the logged configuration %s contains %q", logged, secret)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"no token", nil, nil, []string{"DISCORD_TOKEN is not set: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE)"}},
		{"token twice", nil, map[string]string{"DISCORD_TOKEN": "a", "DISCORD_TOKEN_FILE": "/x"}, []string{"set either DISCORD_TOKEN or DISCORD_TOKEN_FILE"}},
		{"token file missing", nil, map[string]string{"DISCORD_TOKEN_FILE": missing}, []string{"DISCORD_TOKEN_FILE: read the secret file"}},
		{"bad guild", nil, map[string]string{"DISCORD_TOKEN": "a", "DISCORD_GUILD_IDS": "123456789012345678,general"}, []string{`DISCORD_GUILD_IDS: "general" is not a Discord server ID`}},
		{"bad MCP URL", nil, map[string]string{"DISCORD_TOKEN": "a", "MCP_SERVER_URL": "mcp-server:8000"}, []string{"MCP_SERVER_URL: must be an http(s) URL"}},
		{"LLM without model", nil, map[string]string{"DISCORD_TOKEN": "a", "LLM_BASE_URL": "http://ollama:11434/v1"}, []string{"LLM_MODEL: must be set when LLM_BASE_URL is set"}},
		{"bad avatar URL", nil, map[string]string{"DISCORD_TOKEN": "a", "AVATAR_BASE_URL": "charsim.example.org"}, []string{"AVATAR_BASE_URL: must be an http(s) URL"}},
		{"bad LLM URL", nil, map[string]string{"DISCORD_TOKEN": "a", "LLM_BASE_URL": "ollama", "LLM_MODEL": "m"}, []string{"LLM_BASE_URL: must be an http(s) URL"}},
		{"bad LLM timeout and retries", nil, map[string]string{"DISCORD_TOKEN": "a", "LLM_TIMEOUT": "soon", "LLM_MAX_RETRIES": "-1"},
			[]string{`LLM_TIMEOUT: must be a positive duration such as 60s, got "soon"`, "LLM_MAX_RETRIES: must be a whole number from 0 to 10"}},
		{"bad Redis URL", nil, map[string]string{"DISCORD_TOKEN": "a", "REDIS_URL": "http://u:secretpw@redis"}, []string{"REDIS_URL: must be a Redis URL"}},
		{"bad rates", nil, map[string]string{"DISCORD_TOKEN": "a", "BOT_RATE_LIMIT_USER": "fast", "BOT_RATE_LIMIT_CHANNEL": "0/1m"},
			[]string{`BOT_RATE_LIMIT_USER: must be EVENTS/DURATION such as 8/1m, or off; got "fast"`, "BOT_RATE_LIMIT_CHANNEL: must be EVENTS/DURATION"}},
		{"bad log level", []string{"--log-level", "loud"}, map[string]string{"DISCORD_TOKEN": "a"}, []string{`LOG_LEVEL: must be debug, info, warn or error, got "loud"`}},
		{"stray argument", []string{"run"}, map[string]string{"DISCORD_TOKEN": "a"}, []string{`unexpected arguments ["run"]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(tc.args, lookupIn(tc.env), io.Discard)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
			if strings.Contains(msg, "secretpw") {
				t.Errorf("error %q shows a password", msg)
			}
			for _, want := range tc.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q, want %q in it", msg, want)
				}
			}
		})
	}
}

func TestLoadConfigUnregisterNeedsOnlyTheToken(t *testing.T) {
	cfg, err := LoadConfig([]string{"--unregister"}, lookupIn(map[string]string{
		"DISCORD_TOKEN": "a", "LLM_BASE_URL": "http://ollama:11434/v1", // no model: irrelevant here
	}), io.Discard)
	if err != nil || !cfg.Unregister {
		t.Errorf("unregister: %+v, %v", cfg, err)
	}
	if _, err := LoadConfig([]string{"--unregister"}, lookupIn(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Errorf("unregister without a token: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{"8/1m": {8, time.Minute}, " 30 / 10s ": {30, 10 * time.Second}, "OFF": {}} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "8", "8/", "/1m", "-1/1m", "8/0s", "8/soon", "x/1m"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) succeeded", in)
		}
	}
}

package mcpserver

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/console"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/secret"
	"github.com/mojin/charsim/internal/turn"
)

// DefaultListenAddr is where the HTTP transport listens unless told otherwise.
const DefaultListenAddr = ":8000"

// DefaultDataDir holds the SQLite database when DATABASE_URL is empty.
const DefaultDataDir = "./character_data"

// Config is the MCP server configuration. Connection strings and tokens come
// only from the environment (or files), never from flags, so they cannot
// show up in a process listing.
type Config struct {
	// ListenAddr is the HTTP listen address (MCP_LISTEN_ADDR, --listen).
	ListenAddr string
	// Stdio serves one MCP session over stdin/stdout instead of HTTP (--stdio).
	Stdio bool
	// DatabaseURL selects the SQL store: empty for SQLite in DataDir, or
	// postgres://… (DATABASE_URL, alias TIMELINE_DATABASE_URL).
	DatabaseURL string
	// DataDir holds the SQLite database (CHARACTER_DATA_DIR, --data-dir).
	DataDir string
	// RedisURL enables the conversation cache when set (REDIS_URL).
	RedisURL string
	// AuthToken, when set, is the bearer token every /mcp request must carry
	// (MCP_AUTH_TOKEN or the file named by MCP_AUTH_TOKEN_FILE).
	AuthToken secret.Value
	// LogLevel is the minimum level logged (LOG_LEVEL, --log-level).
	LogLevel slog.Level
	// Memory configures embeddings, Qdrant (QDRANT_URL) and recall weights.
	Memory memory.Config
	// ShowVersion asks main to print the version and exit (--version).
	ShowVersion bool
	// Console configures the web console (CONSOLE_ENABLED, CONSOLE_BASE_PATH).
	Console console.Config
	// LLM is the chat endpoint of the console's Play page, the same
	// variables as the Discord bot's (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY,
	// LLM_TIMEOUT, LLM_MAX_RETRIES); an empty BaseURL selects the offline
	// responder.
	LLM turn.LLMConfig
	// CardLimits bound the card files imported (CARD_MAX_FILE_SIZE, 20 MiB
	// by default); the zero value is card.DefaultLimits.
	CardLimits card.Limits
	// HealthCheck asks main to probe a running server's /readyz and exit 0
	// or 1 (--healthcheck): the compose healthcheck, in images with no shell.
	HealthCheck bool
}

// LoadConfig reads the configuration from the environment through lookup
// (os.LookupEnv in production) and then from the command-line args, which
// win over the environment. Usage and flag errors are written to output.
// Every invalid setting is reported, each by its variable or flag name.
func LoadConfig(args []string, lookup func(string) (string, bool), output io.Writer) (Config, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	var errs []error
	cfg := Config{
		ListenAddr:  firstNonEmpty(env("MCP_LISTEN_ADDR"), DefaultListenAddr),
		DatabaseURL: firstNonEmpty(env("DATABASE_URL"), env("TIMELINE_DATABASE_URL")),
		DataDir:     firstNonEmpty(env("CHARACTER_DATA_DIR"), DefaultDataDir),
		RedisURL:    env("REDIS_URL"),
	}

	token, err := secret.FromEnv("MCP_AUTH_TOKEN", lookup)
	errs = append(errs, err)
	cfg.AuthToken = token

	logLevel := firstNonEmpty(env("LOG_LEVEL"), "info")

	fs := flag.NewFlagSet("mcp-server", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.ListenAddr, "listen", cfg.ListenAddr, "HTTP listen address (env MCP_LISTEN_ADDR)")
	fs.BoolVar(&cfg.Stdio, "stdio", false, "serve one MCP session on stdin/stdout instead of HTTP")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory of the SQLite database when DATABASE_URL is empty (env CHARACTER_DATA_DIR)")
	fs.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error (env LOG_LEVEL)")
	fs.BoolVar(&cfg.ShowVersion, "version", false, "print the version and exit")
	fs.BoolVar(&cfg.HealthCheck, "healthcheck", false, "probe the server listening on --listen (GET /readyz) and exit 0 when ready, 1 otherwise")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q: configuration is by flags and environment variables", fs.Args()))
	}

	if err := cfg.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: must be debug, info, warn or error, got %q", logLevel))
	}
	if cfg.ListenAddr == "" && !cfg.Stdio {
		errs = append(errs, errors.New("MCP_LISTEN_ADDR: must not be empty"))
	}
	if cfg.DatabaseURL == "" && cfg.DataDir == "" {
		errs = append(errs, errors.New("CHARACTER_DATA_DIR: must not be empty when DATABASE_URL is not set"))
	}
	if cfg.RedisURL != "" {
		if _, err := url.Parse(cfg.RedisURL); err != nil {
			// The parse error quotes the URL, password included.
			errs = append(errs, errors.New("REDIS_URL: not a valid URL; expected something like redis://redis:6379/0"))
		} else if _, err := redis.ParseURL(cfg.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("REDIS_URL: must be a URL such as redis://redis:6379/0: %s",
				redact.In(err.Error(), cfg.RedisURL)))
		}
	}
	con, err := console.LoadConfig(lookup)
	errs = append(errs, err)
	cfg.Console = con

	mem, err := memory.LoadConfig(lookup)
	errs = append(errs, err)
	cfg.Memory = mem

	llm, err := turn.LoadLLMConfig(lookup)
	errs = append(errs, err)
	cfg.LLM = llm

	cardLimits, err := card.LimitsFromEnv(lookup)
	errs = append(errs, err)
	cfg.CardLimits = cardLimits

	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// LogValue is what the server logs about its configuration at start:
// connection strings without credentials and no tokens.
func (c Config) LogValue() slog.Value {
	database := "sqlite in " + c.DataDir
	if c.DatabaseURL != "" {
		database = redact.URL(c.DatabaseURL)
	}
	transport := "http " + c.ListenAddr
	if c.Stdio {
		transport = "stdio"
	}
	vectors := "embedded"
	if c.Memory.Qdrant.Enabled() {
		vectors = fmt.Sprintf("qdrant %s:%d/%s", c.Memory.Qdrant.Host, c.Memory.Qdrant.Port, c.Memory.Qdrant.Collection)
	}
	return slog.GroupValue(
		slog.String("transport", transport),
		slog.String("database", database),
		slog.String("vectors", vectors),
		slog.String("embedding", strings.TrimSpace(c.Memory.Embedding.Provider+" "+c.Memory.Embedding.Model)),
		slog.String("redis", redact.URL(c.RedisURL)),
		slog.Bool("auth", c.AuthToken != ""),
		slog.String("console", consoleLogValue(c.Console)),
		slog.String("llm", c.LLM.Description()),
		slog.String("log_level", c.LogLevel.String()),
	)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// consoleLogValue is where the console is served, or "off".
func consoleLogValue(c console.Config) string {
	if !c.Enabled {
		return "off"
	}
	return c.BasePath
}

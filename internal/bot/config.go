package bot

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/secret"
	"github.com/mojin/charsim/internal/turn"
)

// Defaults of the configuration.
const (
	DefaultMCPServerURL = "http://localhost:8000/mcp"
	DefaultHealthAddr   = ":8080"
	DefaultUserRate     = "8/1m"
	DefaultChannelRate  = "30/1m"
)

// Config is the bot configuration. Tokens and keys come only from the
// environment or files, never from flags, so they cannot show up in a
// process listing.
type Config struct {
	// Token is the bot token (DISCORD_TOKEN or the file named by DISCORD_TOKEN_FILE).
	Token secret.Value
	// GuildIDs get the slash commands registered directly (instant updates);
	// empty registers them globally (DISCORD_GUILD_IDS, comma-separated).
	GuildIDs []string
	// MCPServerURL is the MCP endpoint (MCP_SERVER_URL); a URL without a path gets /mcp.
	MCPServerURL string
	// MCPAuthToken is the MCP server's bearer token (MCP_AUTH_TOKEN or MCP_AUTH_TOKEN_FILE).
	MCPAuthToken secret.Value
	// LLM is the chat endpoint; an empty BaseURL selects the offline responder.
	LLM turn.LLMConfig
	// RedisURL keeps rate limits and active characters in Redis (REDIS_URL).
	RedisURL string
	// HealthAddr serves /healthz, /readyz and /metrics (BOT_HEALTH_ADDR,
	// --health-addr); empty serves nothing.
	HealthAddr string
	// UserRate and ChannelRate limit commands and mentions per user and per
	// channel (BOT_RATE_LIMIT_USER, BOT_RATE_LIMIT_CHANNEL).
	UserRate, ChannelRate Rate
	// AvatarBaseURL is the public URL of the MCP server, whose
	// /avatars/{id}.png Discord fetches the characters' webhook avatars
	// from (AVATAR_BASE_URL); empty leaves the webhook's default avatar.
	AvatarBaseURL string
	// CardMaxFileSize is the largest card file /character import downloads
	// (CARD_MAX_FILE_SIZE, as the MCP server reads it); 0 is the card
	// codec's default, 20 MiB.
	CardMaxFileSize int64
	// LogLevel is the minimum level logged (LOG_LEVEL, --log-level).
	LogLevel slog.Level
	// Unregister removes the slash commands and exits (--unregister).
	Unregister bool
	// ShowVersion asks main to print the version and exit (--version).
	ShowVersion bool
	// HealthCheck asks main to probe a running bot's /healthz and exit 0 or
	// 1 (--healthcheck): the compose healthcheck, in an image with no shell.
	HealthCheck bool
}

// snowflake is a Discord ID.
var snowflake = regexp.MustCompile(`^[0-9]{15,21}$`)

// LoadConfig reads the configuration from the environment through lookup
// (os.LookupEnv in production) and then from the command-line args. Every
// invalid setting is reported, by its variable or flag name, in one line.
func LoadConfig(args []string, lookup func(string) (string, bool), output io.Writer) (Config, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	cfg := Config{
		MCPServerURL: firstNonEmpty(env("MCP_SERVER_URL"), DefaultMCPServerURL),
		RedisURL:     env("REDIS_URL"),
		// The routes are appended to it: a trailing slash would double.
		AvatarBaseURL: strings.TrimRight(env("AVATAR_BASE_URL"), "/"),
		HealthAddr:    DefaultHealthAddr,
	}
	if v, ok := lookup("BOT_HEALTH_ADDR"); ok {
		cfg.HealthAddr = strings.TrimSpace(v)
	}
	logLevel := firstNonEmpty(env("LOG_LEVEL"), "info")

	fs := flag.NewFlagSet("discord-bot", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.BoolVar(&cfg.Unregister, "unregister", false, "remove the bot's slash commands (from DISCORD_GUILD_IDS and the global DM ones, or the global ones) and exit")
	fs.StringVar(&cfg.HealthAddr, "health-addr", cfg.HealthAddr, "listen address of /healthz, /readyz and /metrics; empty to disable (env BOT_HEALTH_ADDR)")
	fs.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error (env LOG_LEVEL)")
	fs.BoolVar(&cfg.ShowVersion, "version", false, "print the version and exit")
	fs.BoolVar(&cfg.HealthCheck, "healthcheck", false, "probe the bot running on --health-addr (GET /healthz) and exit 0 when healthy, 1 otherwise")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	// Neither needs the token or the endpoints: both run beside (or instead
	// of) a configured bot.
	if cfg.ShowVersion || cfg.HealthCheck {
		return cfg, nil
	}

	var problems []string
	check := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if fs.NArg() > 0 {
		check(fmt.Errorf("unexpected arguments %q: configuration is by flags and environment variables", fs.Args()))
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		check(fmt.Errorf("LOG_LEVEL: must be debug, info, warn or error, got %q", logLevel))
	}

	token, err := secret.FromEnv("DISCORD_TOKEN", lookup)
	check(err)
	// The portal shows the bare token; discordgo needs the "Bot " scheme, added later.
	cfg.Token = secret.Value(strings.TrimSpace(strings.TrimPrefix(string(token), "Bot ")))
	if err == nil && cfg.Token == "" {
		check(errors.New("DISCORD_TOKEN is not set: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) to the bot token from the Discord developer portal (Applications > your app > Bot > Reset Token)"))
	}
	if raw := env("DISCORD_GUILD_IDS"); raw != "" {
		for id := range strings.SplitSeq(raw, ",") {
			id = strings.TrimSpace(id)
			if !snowflake.MatchString(id) {
				check(fmt.Errorf("DISCORD_GUILD_IDS: %q is not a Discord server ID (a number like 123456789012345678)", id))
				continue
			}
			cfg.GuildIDs = append(cfg.GuildIDs, id)
		}
	}

	if cfg.Unregister {
		// Unregistering talks to Discord only.
		return cfg, joinProblems(problems)
	}

	mcpURL, err := normalizeMCPURL(cfg.MCPServerURL)
	check(err)
	cfg.MCPServerURL = mcpURL
	cfg.MCPAuthToken, err = secret.FromEnv("MCP_AUTH_TOKEN", lookup)
	check(err)

	cfg.LLM, err = turn.LoadLLMConfig(lookup)
	check(err)
	cardLimits, err := card.LimitsFromEnv(lookup)
	check(err)
	cfg.CardMaxFileSize = cardLimits.MaxFileSize
	if cfg.AvatarBaseURL != "" {
		// Discord fetches the avatars itself, so the URL must be one the
		// internet reaches; only its form can be checked here.
		check(httpURL("AVATAR_BASE_URL", cfg.AvatarBaseURL, "https://charsim.example.com"))
	}
	if cfg.RedisURL != "" {
		if _, err := redis.ParseURL(cfg.RedisURL); err != nil {
			// The parse error may quote the URL, password included.
			check(errors.New("REDIS_URL: must be a Redis URL such as redis://redis:6379/0"))
		}
	}
	cfg.UserRate, err = parseRateVar("BOT_RATE_LIMIT_USER", firstNonEmpty(env("BOT_RATE_LIMIT_USER"), DefaultUserRate))
	check(err)
	cfg.ChannelRate, err = parseRateVar("BOT_RATE_LIMIT_CHANNEL", firstNonEmpty(env("BOT_RATE_LIMIT_CHANNEL"), DefaultChannelRate))
	check(err)
	return cfg, joinProblems(problems)
}

// normalizeMCPURL checks the MCP endpoint and gives a bare server URL the
// /mcp path the charsim MCP server serves.
func normalizeMCPURL(raw string) (string, error) {
	if err := httpURL("MCP_SERVER_URL", raw, "http://mcp-server:8000/mcp"); err != nil {
		return "", err
	}
	u, _ := url.Parse(raw)
	if u.Path == "" || u.Path == "/" {
		u.Path = "/mcp"
	}
	return u.String(), nil
}

func httpURL(name, raw, example string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: must be an http(s) URL such as %s", name, example)
	}
	return nil
}

func parseRateVar(name, raw string) (Rate, error) {
	r, err := ParseRate(raw)
	if err != nil {
		return Rate{}, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// joinProblems makes one single-line error of every problem found.
func joinProblems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
}

// LogValue is what the bot logs about its configuration at start: no
// tokens, and the Redis URL without its password.
func (c Config) LogValue() slog.Value {
	commands := "global"
	if len(c.GuildIDs) > 0 {
		commands = "guilds " + strings.Join(c.GuildIDs, ",")
	}
	redisURL := "none (in-memory rate limits and active characters)"
	if c.RedisURL != "" {
		redisURL = redactURL(c.RedisURL)
	}
	return slog.GroupValue(
		slog.String("commands", commands),
		slog.String("mcp_server", redactURL(c.MCPServerURL)),
		slog.Bool("mcp_auth", c.MCPAuthToken != ""),
		slog.String("llm", c.LLM.Description()),
		slog.String("redis", redisURL),
		slog.String("avatars", cmp.Or(redactURL(c.AvatarBaseURL), "webhook default (AVATAR_BASE_URL not set)")),
		slog.String("health_addr", c.HealthAddr),
		slog.String("rate_limit_user", c.UserRate.String()),
		slog.String("rate_limit_channel", c.ChannelRate.String()),
	)
}

// redactURL hides a URL's password; what does not parse is hidden entirely.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	return u.Redacted()
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

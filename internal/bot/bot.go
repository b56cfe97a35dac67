package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/turn"
)

// Timeouts of the bot.
const (
	// defaultRequestTimeout bounds the work on one interaction or message;
	// Discord keeps an interaction token valid for 15 minutes.
	defaultRequestTimeout = 3 * time.Minute
	// deliveryTimeout bounds the Discord calls that deliver a result. They
	// get a deadline of their own, so that a request that ran out of time
	// can still say so.
	deliveryTimeout = 15 * time.Second
	// shutdownGrace is how long requests in flight may finish on shutdown.
	shutdownGrace = 20 * time.Second
	// Redis client timeouts: Redis is a side store, so a slow Redis must not
	// slow every message down by much.
	redisDialTimeout = 2 * time.Second
	redisIOTimeout   = time.Second
)

// intents are the gateway events the bot needs: guilds, guild messages (to
// see mentions) and direct messages. It asks for no privileged intent:
// Discord delivers the content of DMs and of messages that mention the bot
// without Message Content, and that intent would need a portal toggle (the
// connection is refused with 4014 until it is on) and, past 100 servers,
// Discord's approval, which it refuses to apps that do not need it.
const intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages

// mcpClientName is the MCP client name the server sees.
const mcpClientName = "charsim-discord-bot"

// redisKeyPrefix namespaces the bot's Redis keys.
const redisKeyPrefix = "charsim:bot:"

// Bot is the charsim Discord bot.
type Bot struct {
	cfg            Config
	logger         *slog.Logger
	session        *discordgo.Session
	mcp            *turn.Client
	chat           *turn.ChatClient // nil: offline responder
	turns          *turn.Pipeline
	redis          *redis.Client // nil without REDIS_URL
	limits         *rateLimits
	channels       channelCharacters
	webhooks       *channelWebhooks
	appID          string // the application, known once Run has asked Discord
	metrics        *metrics
	gateway        *gatewayState
	handlers       map[string]handler
	paths          map[string][]*discordgo.ApplicationCommandOption
	inflight       inflight
	gatewayGrace   time.Duration
	requestTimeout time.Duration
	typingEvery    time.Duration
	watchdogGrace  time.Duration
	closeTimeout   time.Duration
	leftoverCheck  sync.Once

	// baseCtx is the parent of every request's context; cancel ends the
	// requests that outlive the shutdown grace period.
	baseCtx context.Context
	cancel  context.CancelFunc

	healthAddr chan string
}

// Option changes how New builds the bot.
type Option func(*Bot)

// WithDiscordHTTPClient sends the bot's Discord REST requests (and the
// gateway lookup) through client, for example to a Discord emulator in tests.
func WithDiscordHTTPClient(client *http.Client) Option {
	return func(b *Bot) { b.session.Client = client }
}

// New builds the bot for cfg. It connects to nothing yet: Run does.
func New(cfg Config, logger *slog.Logger, opts ...Option) (*Bot, error) {
	session, err := discordgo.New("Bot " + string(cfg.Token))
	if err != nil {
		return nil, fmt.Errorf("create the discord session: %w", err)
	}
	session.Identify.Intents = intents
	// The bot reads no guild state: it needs no cache of members and channels.
	session.StateEnabled = false
	session.LogLevel = discordgo.LogWarning
	// Run reconnects, through openGateway: discordgo would retry forever,
	// also after a close code that says reconnecting cannot help (a reset
	// token, disallowed intents).
	session.ShouldReconnectOnError = false

	m := newMetrics()
	b := &Bot{
		cfg: cfg, logger: logger, session: session, metrics: m,
		mcp:          turn.NewHTTPClient(cfg.MCPServerURL, cfg.MCPAuthToken, mcpClientName),
		gateway:      newGatewayState(m.gateway),
		gatewayGrace: defaultGatewayGrace, requestTimeout: defaultRequestTimeout, typingEvery: typingRenewal,
		watchdogGrace: defaultWatchdogGrace, closeTimeout: defaultCloseTimeout,
		healthAddr: make(chan string, 1), webhooks: newChannelWebhooks(),
	}
	b.baseCtx, b.cancel = context.WithCancel(context.Background())
	for _, o := range opts {
		o(b)
	}

	var lim limiter = newMemoryLimiter()
	b.channels = newMemoryChannels()
	if cfg.RedisURL != "" {
		ro, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, errors.New("REDIS_URL is not a valid Redis URL")
		}
		ro.DialTimeout = cmp.Or(ro.DialTimeout, redisDialTimeout)
		// Fail fast: a message must not wait seconds for a Redis that is down.
		ro.MaxRetries = cmp.Or(ro.MaxRetries, 1)
		ro.DialerRetries = cmp.Or(ro.DialerRetries, 1)
		ro.ReadTimeout = cmp.Or(ro.ReadTimeout, redisIOTimeout)
		ro.WriteTimeout = cmp.Or(ro.WriteTimeout, redisIOTimeout)
		// A request's deadline then bounds its Redis I/O too, so a call
		// abandoned at the rate limiter's deadline ends at once.
		ro.ContextTimeoutEnabled = true
		b.redis = redis.NewClient(ro)
		lim = &fallbackLimiter{primary: &redisLimiter{client: b.redis, prefix: redisKeyPrefix + "rate:"}, fallback: lim,
			logger: logger, retryEvery: defaultPrimaryRetry, timeout: defaultPrimaryTimeout}
		b.channels = &redisChannels{client: b.redis, prefix: redisKeyPrefix + "active:"}
	}
	b.limits = &rateLimits{limiter: lim, user: cfg.UserRate, channel: cfg.ChannelRate, metrics: m}

	var resp turn.Responder = turn.OfflineResponder{}
	if cfg.LLM.Enabled() {
		b.chat = turn.NewChatClient(cfg.LLM, m.observeLLM)
		resp = turn.LLMResponder{Chat: b.chat, Venue: "Discord"}
	}
	b.turns = &turn.Pipeline{MCP: b.mcp, Responder: resp, Tag: "discord"}
	b.handlers = b.commandHandlers()
	b.paths = commandPaths(commandDefinitions())

	b.gateway.register(session)
	session.AddHandler(b.onInteraction)
	session.AddHandler(b.onMessage)
	session.AddHandler(b.warnLeftoverGuildCommands)
	return b, nil
}

// Run serves the health endpoints, registers the slash commands, connects
// to the gateway and handles events until ctx ends; then it disconnects and
// lets the requests in flight finish. It reconnects after a disconnection;
// it fails when the gateway has been down longer than the watchdog's grace
// period (see watchdog.go), or closed with a code after which reconnecting
// cannot help (fatalCloseCodes).
func (b *Bot) Run(ctx context.Context) error {
	stopHealth, err := b.serveHealthEndpoints()
	if err != nil {
		return err
	}
	defer stopHealth()

	appID, err := b.applicationID()
	if err != nil {
		return err
	}
	b.appID = appID // before the gateway delivers any event that reads it
	if err := b.register(ctx, appID); err != nil {
		return err
	}
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	watchdog := b.watchGateway(watchCtx)
	// Open runs apart: it is where discordgo can deadlock. The bot
	// reconnects by itself, not discordgo (see New), so that a close code
	// after which reconnecting cannot help ends the run with its reason
	// instead of a retry loop that never ends.
	opened := make(chan error, 1)
	open := func() { go func() { opened <- b.openGateway(ctx) }() }
	open()
	var failed error
	// again: a Disconnect came while connecting, possibly of the new
	// connection; one more Open settles it (ErrWSAlreadyOpen when open).
	connecting, connectedOnce, again := true, false, false
wait:
	for {
		select {
		case err := <-opened:
			connecting = false
			if err != nil {
				if ctx.Err() != nil {
					break wait // stopped while connecting
				}
				if !connectedOnce {
					return err
				}
				b.gateway.fail(err)
				failed = err
				break wait
			}
			if connectedOnce {
				b.logger.Info("reconnected to the Discord gateway")
			} else {
				b.logger.Info("connected to the Discord gateway", "application", appID)
			}
			connectedOnce = true
			if again {
				connecting, again = true, false
				open()
			}
		case <-b.gateway.disconnects:
			switch {
			case ctx.Err() != nil:
			case connecting:
				again = true
			default:
				connecting = true
				open()
			}
		case <-ctx.Done():
			break wait
		case failed = <-watchdog:
			break wait
		}
	}

	if failed != nil {
		b.logger.Error("the Discord gateway connection is lost for good; stopping", "error", failed)
	}
	b.logger.Info("shutting down")
	b.closeSession()
	if !b.inflight.wait(shutdownGrace) {
		b.logger.Warn("requests still running after the shutdown grace period; cancelling them", "grace", shutdownGrace)
	}
	b.cancel()
	return failed
}

// HealthAddr returns the address the health endpoints listen on, once Run
// has started listening (useful with a :0 port).
func (b *Bot) HealthAddr(ctx context.Context) (string, error) {
	select {
	case addr := <-b.healthAddr:
		b.healthAddr <- addr
		return addr, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (b *Bot) serveHealthEndpoints() (stop func(), err error) {
	if b.cfg.HealthAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", b.cfg.HealthAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for the health endpoints on %s (BOT_HEALTH_ADDR): %w", b.cfg.HealthAddr, err)
	}
	b.healthAddr <- ln.Addr().String()
	hs := &http.Server{
		Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(b.logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			b.logger.Error("health endpoints stopped", "error", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx) // a probe still connected is cut off; nothing else to do
	}, nil
}

// Close releases the MCP session and the Redis client.
func (b *Bot) Close() error {
	b.cancel()
	var errs []error
	errs = append(errs, b.mcp.Close())
	if b.redis != nil {
		errs = append(errs, b.redis.Close())
	}
	return errors.Join(errs...)
}

// delivery is the context of the Discord calls that deliver the result of
// the work done under ctx.
func delivery(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), deliveryTimeout)
}

// inflight counts the requests being handled, so shutdown can wait for them.
type inflight struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	closing bool
}

// start registers a request; ok is false once shutdown began.
func (f *inflight) start() (done func(), ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return nil, false
	}
	f.wg.Add(1)
	return f.wg.Done, true
}

// wait refuses new requests and waits up to grace for the running ones.
func (f *inflight) wait(grace time.Duration) bool {
	f.mu.Lock()
	f.closing = true
	f.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return true
	case <-time.After(grace):
		return false
	}
}

package mcpserver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/changes"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/secret"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/turn"
	"github.com/mojin/charsim/internal/version"
)

// instructions tell a connecting model how the tools fit together.
const instructions = `charsim keeps roleplay characters: their personas, long-term memories, moods, relationships, ` +
	`conversations and the branching story timeline of each channel. ` +
	`For each roleplay turn: call get_context (character, channel, user, the user's message), reply in character ` +
	`following its system_prompt, then log_message both the user's message and the reply. ` +
	`Use remember for things worth keeping, update_relationship and update_character_state when the story changes them, ` +
	`and add_event for story events. Characters are addressed by ID or by name.`

// Redis client timeouts: the cache is optional, so a slow or failing Redis
// must not slow every tool call down by much.
const (
	redisDialTimeout = 2 * time.Second
	redisIOTimeout   = time.Second
)

// Server is the MCP server of a character simulation.
type Server struct {
	store     store.Store
	memory    *memory.Service
	cache     *recentCache // nil without Redis
	names     characterNames
	logger    *slog.Logger
	authToken secret.Value
	mcp       *mcp.Server
	// cardLimits bound the card files import_character_card and the
	// console's upload import (CARD_MAX_FILE_SIZE).
	cardLimits card.Limits

	// changes announces every write (this process's, and other processes'
	// memory writes) to resource subscribers and the console.
	changes    *changes.Feed
	subs       subscriptions
	stopFollow context.CancelFunc
	background sync.WaitGroup

	// llm is the chat endpoint of the console's Play page.
	llm turn.LLMConfig
	// inProcess is the console's MCP client of this server, once made.
	inProcess *turn.Client
	// draining is closed when the server begins to shut down, to end the
	// console's event streams, which would hold a graceful shutdown up.
	draining  chan struct{}
	drainOnce sync.Once
}

// Open connects to the store, the vector memory and Redis (when configured)
// as cfg says and returns the server; Close releases them.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open the SQL store: %s", redact.In(err.Error(), cfg.DatabaseURL))
	}
	feed := changes.NewFeed()
	published := changes.NewStore(st, feed)
	mem, err := memory.Open(ctx, cfg.Memory, published, memory.WithLogger(logger))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open the vector memory: %w", err), st.Close())
	}
	s := &Server{store: published, memory: mem, logger: logger, authToken: cfg.AuthToken,
		changes: feed, subs: subscriptions{byURI: make(map[string]subscribedResource)},
		llm: cfg.LLM, draining: make(chan struct{}), cardLimits: cfg.CardLimits}
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, errors.Join(errors.New("REDIS_URL is not a valid Redis URL"), s.Close())
		}
		opts.DialTimeout = cmp.Or(opts.DialTimeout, redisDialTimeout)
		opts.ReadTimeout = cmp.Or(opts.ReadTimeout, redisIOTimeout)
		opts.WriteTimeout = cmp.Or(opts.WriteTimeout, redisIOTimeout)
		if opts.MaxRetries == 0 { // the go-redis default: 3 retries with backoff
			opts.MaxRetries = -1 // a failed cache call falls back to the store at once
		}
		s.cache = newRecentCache(redis.NewClient(opts), logger)
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "charsim", Title: "charsim characters", Version: version.Version},
		&mcp.ServerOptions{Instructions: instructions, Logger: sdkLogger(logger),
			SubscribeHandler: s.subscribe, UnsubscribeHandler: s.unsubscribe, CompletionHandler: s.complete})
	s.mcp.AddReceivingMiddleware(recoverPanics(logger), nullArgumentsAsEmpty)
	s.registerTools()
	s.registerResources()
	s.registerPrompts()

	followCtx, stopFollow := context.WithCancel(context.Background())
	s.stopFollow = stopFollow
	announced := feed.Subscribe()
	s.background.Go(func() { published.Follow(followCtx) })
	s.background.Go(func() { s.announceChanges(announced) })
	s.background.Go(func() { <-followCtx.Done(); announced.Close() })
	return s, nil
}

// Changes is the server's change feed, for the console's live updates.
func (s *Server) Changes() *changes.Feed { return s.changes }

// ServeStdio serves one MCP session on stdin/stdout until the client
// disconnects or ctx ends.
func (s *Server) ServeStdio(ctx context.Context) error {
	return s.mcp.Run(ctx, &mcp.StdioTransport{})
}

// BeginShutdown tells long-lived responses (the console's event streams)
// to end, so that an HTTP server's graceful shutdown is not held up by
// them. Close does it too.
func (s *Server) BeginShutdown() { s.drainOnce.Do(func() { close(s.draining) }) }

// Close releases the vector memory, Redis and the store.
func (s *Server) Close() error {
	s.BeginShutdown()
	if s.inProcess != nil {
		_ = s.inProcess.Close() // an in-memory session; nothing can fail that matters
	}
	if s.stopFollow != nil {
		s.stopFollow()
		s.background.Wait()
	}
	return errors.Join(s.memory.Close(), s.cache.Close(), s.store.Close())
}

// Package discordfake is a Discord emulator for tests and benchmarks of a
// bot built on discordgo: the gateway (websocket Hello, Identify, Ready,
// Resume, heartbeats and event dispatch) and the REST endpoints such a bot
// calls (gateway lookup, application, slash command registration,
// interaction callbacks, the original response and follow-ups, channel
// messages and typing, channel webhooks (create, list, execute with a
// username and avatar) and attachment downloads). It checks what Discord checks that matters to a bot
// — the token, privileged intents (close code 4014, and no content in server
// messages that do not mention the bot without Message Content), one
// callback per interaction within 3 seconds, the 15-minute interaction token,
// guild membership (403 Missing Access), valid command definitions, commands
// used only where they are registered, the 2000-character limit, Manage
// Webhooks (403 Missing Permissions), webhook names and the 15-webhook cap,
// message components (rows, widths, custom_id, labels, styles) and
// interaction callback types, with Discord's 50035 Invalid Form Body
// errors tree — and records everything the bot sent, so a test can wait
// for it. On request it behaves as Discord does at its worst: op 7
// Reconnect, op 9 Invalid Session, close codes (a reset token closes with
// 4004), a session invalidated by the client's own close with 1000, unacked
// heartbeats, 429s with their rate-limit headers (refusing and counting
// whatever comes before the reset), failed and dropped requests.
//
// A discordgo session reaches the emulator through Client, whose transport
// sends every request to the emulator whatever its host: discordgo's
// endpoint variables stay untouched. The gateway URL the emulator hands
// out is its own.
package discordfake

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// discordEpoch is the start of Discord's snowflake clock (2015), in Unix milliseconds.
const discordEpoch = 1420070400000

// Server is a running Discord emulator.
type Server struct {
	// Token is the bot token the emulator accepts (without "Bot ").
	Token string
	// AppID is the application the token belongs to; BotUserID its bot user.
	AppID, BotUserID string
	// InitialResponseDeadline is how long after an interaction its first
	// callback is accepted (Discord: 3 s); TokenLifetime how long its token
	// then serves for edits and follow-ups (Discord: 15 minutes).
	InitialResponseDeadline, TokenLifetime time.Duration
	// PrivilegedIntents are the privileged intents turned on in the
	// developer portal; by default none, as for a new application.
	PrivilegedIntents discordgo.Intent

	http   *httptest.Server
	nextID atomic.Int64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	gateway *gatewayConn  // the identified connection, nil when none
	refuse  bool          // refuse new gateway connections
	// reconnectOnIdentify is how many identifies get op 7 instead of READY.
	reconnectOnIdentify int
	sessionID           string
	intents             discordgo.Intent // of the identified session
	seq                 int64
	identifies          []discordgo.Identify
	resumes             int
	invalidated         int                                        // sessions invalidated (op 9, or closed with 1000/1001)
	noHeartbeatAcks     bool                                       // leave heartbeats unanswered
	heartbeatEvery      time.Duration                              // asked for in Hello; 0: heartbeatInterval
	guilds              map[string]bool                            // the guilds the app is in
	commands            map[string][]*discordgo.ApplicationCommand // by guild ID, "" for global
	interactions        map[string]*interaction                    // by ID
	byToken             map[string]*interaction
	messages            map[string][]Message   // by channel ID
	userMessages        map[string]bool        // users' messages by ID: false once deleted
	pending             []*fault               // failures to inject
	limits              []limit                // rate limits in force
	rateLimited         int                    // requests answered 429 on purpose
	violations          int                    // requests refused under a limit in force
	typing              map[string][]time.Time // typing indicators started, by channel ID
	manageWebhooks      bool                   // the bot's Manage Webhooks permission
	webhooks            map[string]*Webhook    // by ID
	webhookOrder        []string               // IDs in creation order
	attachments         map[string]attachment  // by ID
	downloads           map[string]int         // attachment downloads, by ID
}

// New starts an emulator that accepts token.
func New(token string) *Server {
	s := &Server{
		Token: token, changed: make(chan struct{}),
		InitialResponseDeadline: 3 * time.Second, TokenLifetime: 15 * time.Minute,
		guilds: map[string]bool{}, commands: map[string][]*discordgo.ApplicationCommand{}, interactions: map[string]*interaction{},
		byToken: map[string]*interaction{}, messages: map[string][]Message{}, userMessages: map[string]bool{},
		typing: map[string][]time.Time{}, webhooks: map[string]*Webhook{},
		attachments: map[string]attachment{}, downloads: map[string]int{},
	}
	// IDs are snowflakes of the current time, as Discord makes them, so that
	// two runs never share an ID (and keys derived from IDs in a shared Redis).
	s.nextID.Store((time.Now().UnixMilli() - discordEpoch) << 22)
	s.AppID, s.BotUserID = s.newID(), s.newID()
	s.http = httptest.NewServer(s.routes())
	return s
}

// Close disconnects the gateway and stops the server.
func (s *Server) Close() {
	s.DropGateway()
	s.http.Close()
}

// URL is the emulator's base URL.
func (s *Server) URL() string { return s.http.URL }

// Client is an HTTP client for discordgo's Session.Client: it sends every
// request to the emulator.
func (s *Server) Client() *http.Client {
	target, _ := url.Parse(s.http.URL) // httptest URLs parse
	return &http.Client{Transport: redirect{target: target, next: http.DefaultTransport}}
}

type redirect struct {
	target *url.URL
	next   http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.target.Scheme, r.target.Host, r.target.Host
	return r.next.RoundTrip(req)
}

// newID returns a fresh snowflake.
func (s *Server) newID() string { return strconv.FormatInt(s.nextID.Add(1), 10) }

// NewID returns a fresh snowflake, for the users and channels of a test,
// or a guild the app is not in.
func (s *Server) NewID() string { return s.newID() }

// NewGuild returns the ID of a fresh guild the app has been invited to
// (with the applications.commands scope). In any other guild the emulator
// answers 403 Missing Access.
func (s *Server) NewGuild() string {
	id := s.newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guilds[id] = true
	return id
}

// notify wakes the waiters; call with mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond (called with mu held) holds or ctx ends.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Commands returns the slash commands registered in a guild ("" for global).
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*discordgo.ApplicationCommand(nil), s.commands[guildID]...)
}

// ChannelMessages returns the messages the bot posted in a channel.
func (s *Server) ChannelMessages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages[channelID]...)
}

// WaitChannelMessages waits until the bot posted at least n messages in a channel.
func (s *Server) WaitChannelMessages(ctx context.Context, channelID string, n int) ([]Message, error) {
	err := s.wait(ctx, func() bool { return len(s.messages[channelID]) >= n })
	return s.ChannelMessages(channelID), err
}

// TypingIndicatorLasts is how long Discord shows "… is typing" after one
// typing request, unless the bot posts sooner.
const TypingIndicatorLasts = 10 * time.Second

// Typing returns when the bot started a typing indicator in a channel.
func (s *Server) Typing(channelID string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.typing[channelID]...)
}

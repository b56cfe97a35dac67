package bot

import (
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus"
)

// gatewayState follows the Discord gateway connection through discordgo's
// Connect, Disconnect, Ready and Resumed events.
type gatewayState struct {
	gauge prometheus.Gauge

	mu        sync.RWMutex
	connected bool
	since     time.Time // of the last change
	botUserID string
	botName   string
	guilds    int
	fatal     string // why the gateway refuses the bot for good, if it does

	// disconnects is signalled on each Disconnect event, for Run to
	// reconnect.
	disconnects chan struct{}
}

// gatewayStatus is a snapshot of the connection.
type gatewayStatus struct {
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since"`
	BotUser   string    `json:"bot_user,omitempty"`
	Guilds    int       `json:"guilds"`
	Error     string    `json:"error,omitempty"`
}

func newGatewayState(gauge prometheus.Gauge) *gatewayState {
	return &gatewayState{gauge: gauge, since: time.Now(), disconnects: make(chan struct{}, 1)}
}

func (g *gatewayState) register(s *discordgo.Session) {
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) { g.set(true) })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		g.set(false)
		select {
		case g.disconnects <- struct{}{}:
		default: // one is pending already
		}
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { g.set(true) })
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.User != nil {
			g.botUserID, g.botName = r.User.ID, r.User.Username
		}
		g.guilds = len(r.Guilds)
	})
}

func (g *gatewayState) set(connected bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.connected != connected {
		g.connected, g.since = connected, time.Now()
	}
	if connected {
		g.gauge.Set(1)
	} else {
		g.gauge.Set(0)
	}
}

func (g *gatewayState) status() gatewayStatus {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return gatewayStatus{Connected: g.connected, Since: g.since, BotUser: g.botName, Guilds: g.guilds, Error: g.fatal}
}

// fail records why the gateway refuses the bot for good; /healthz and
// /readyz then say it.
func (g *gatewayState) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fatal = err.Error()
}

// botUser is the bot's own user ID, known after Ready.
func (g *gatewayState) botUser() string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.botUserID
}

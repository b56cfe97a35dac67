package bot

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/testsvc"
)

// TestRateLimits drives the per-user and per-channel limits through
// Discord, in memory and in Redis.
func TestRateLimits(t *testing.T) {
	for _, backend := range []string{"in-memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			h := startBot(t, func(c *Config) {
				c.UserRate, c.ChannelRate = Rate{2, time.Minute}, Rate{3, time.Minute}
				if backend == "redis" {
					c.RedisURL = testsvc.RedisURL(t)
				}
			}, nil)
			h.slash(t, "character create", map[string]any{"name": "Aria"}) // Sam 1, channel 1
			h.slash(t, "talk", map[string]any{"message": "hi"})            // Sam 2, channel 2
			st := h.slash(t, "talk", map[string]any{"message": "hi again"})
			wantError(t, st, "You are sending messages too fast; try again in ")
			if st.Callbacks[0] != discordgo.InteractionResponseChannelMessageWithSource {
				t.Errorf("callback %v: a refusal must come at once", st.Callbacks[0])
			}

			kim := h.where()
			kim.User = &discordgo.User{ID: h.discord.NewID(), Username: "kim"}
			wantPublic(t, h.interact(t, discordfake.SlashCommand(kim, "talk", map[string]any{"message": "hello"}))) // channel 3
			wantError(t, h.interact(t, discordfake.SlashCommand(kim, "talk", map[string]any{"message": "hello?"})), "This channel is very busy; try again in ")

			// Another channel is not busy, but Sam still is.
			elsewhere := h.where()
			elsewhere.ChannelID = h.discord.NewID()
			wantError(t, h.interact(t, discordfake.SlashCommand(elsewhere, "status", nil)), "You are sending messages too fast")

			_, metrics := h.get(t, "/metrics")
			for _, want := range []string{`charsim_bot_rate_limited_total{scope="user"} 2`, `charsim_bot_rate_limited_total{scope="channel"} 1`} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			if backend == "redis" {
				if _, ok := h.bot.channels.(*redisChannels); !ok {
					t.Errorf("active characters kept in %T, want Redis", h.bot.channels)
				}
				stored, err := h.bot.redis.Keys(t.Context(), redisKeyPrefix+"rate:user:"+h.user.ID+":*").Result()
				if err != nil || len(stored) != 1 {
					t.Errorf("rate keys of Sam in Redis: %v, %v", stored, err)
				}
			}
		})
	}
}

// TestRedisDown: with its Redis unreachable the bot keeps limiting (in
// memory), says clearly what it cannot do, and /readyz names Redis.
func TestRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "redis://" + ln.Addr().String() + "/0"
	ln.Close() // nothing listens there now
	h := startBot(t, func(c *Config) { c.RedisURL, c.UserRate = deadURL, Rate{2, time.Minute} }, nil)
	wantError(t, h.slash(t, "talk", map[string]any{"message": "hi"}), "cannot read this channel's character right now (its Redis is unavailable)")
	wantError(t, h.slash(t, "character use", map[string]any{"name": "Nobody"}), `No character is called "Nobody"`)
	wantError(t, h.slash(t, "talk", map[string]any{"message": "hi"}), "You are sending messages too fast")
	code, body := h.get(t, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "redis unavailable") {
		t.Errorf("readyz %d %s, want 503 naming Redis", code, body)
	}
}

// initialResponseBudget is what the bot may spend before its first
// callback: Discord allows 3 s from the event to the callback, round trips
// between Discord and the bot included.
const initialResponseBudget = 750 * time.Millisecond

// TestRedisHangs: a real Redis that stops answering (connections accepted,
// nothing answered) must not hold the initial interaction response past
// Discord's deadline: the rate limit check gives up within a tight deadline
// and the in-memory limiter decides, still at once.
func TestRedisHangs(t *testing.T) {
	proxy := newTCPProxy(t, redisAddr(t))
	h := startBot(t, func(c *Config) {
		c.RedisURL, c.UserRate = "redis://"+proxy.addr+"/0", Rate{2, time.Minute}
	}, nil)
	h.slash(t, "character create", map[string]any{"name": "Aria"}) // Sam 1, counted in Redis
	if b := h.bot.limits.limiter.Backend(); b != "redis" {
		t.Fatalf("backend %q before the hang, want redis", b)
	}
	proxy.hang()
	for i, path := range []string{"talk", "status", "talk"} { // Sam 2, 3, 4: 1, 2, 3 in memory
		opts := map[string]any{"message": "hello?"}
		if path == "status" {
			opts = nil
		}
		st := h.slash(t, path, opts)
		if st.Late != 0 || st.CallbackDelay > initialResponseBudget {
			t.Errorf("command %d (/%s): first callback after %s (%d refused as late), want within %s with Redis hung",
				i+2, path, st.CallbackDelay, st.Late, initialResponseBudget)
		}
		if i == 2 {
			wantError(t, st, "You are sending messages too fast")
		}
	}
	if b := h.bot.limits.limiter.Backend(); !strings.Contains(b, "unavailable; using in-memory") {
		t.Errorf("backend %q with Redis hung, want the in-memory fallback named", b)
	}
}

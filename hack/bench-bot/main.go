// Command bench-bot measures the Discord bot's own overhead per
// conversational turn. It runs the bot in-process against the Discord
// emulator (internal/bot/discordfake), a real charsim MCP server on SQLite
// (in-process, over HTTP) and a local OpenAI-compatible endpoint that
// answers at once, so the time from a /talk interaction to the bot's reply
// is what the bot adds: the context from get_context, the chat request and
// its parsing, log_message, remember, relationship and timeline updates,
// and the Discord callbacks. It prints p50, p90, p99 and max per kind of
// message and over all turns, against the target p99 ≤ 20 ms; then the
// same for the bot's code alone: the turn minus the time during which the
// MCP server or the LLM endpoint was working on one of its requests.
//
//	make bench-bot
//	go run ./hack/bench-bot -turns 1000 -warmup 50
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot"
	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/turn"
)

// targetP99 is the overhead the bot must stay under per turn.
const targetP99 = 20 * time.Millisecond

// token is the emulator's bot token.
const token = "bench-token"

// messages cycle through the turns: plain talk, and messages that make the
// turn remember a fact, change the relationship and add timeline events.
var messages = []struct{ kind, text string }{
	{"plain", "How was your day at the library?"},
	{"fact", "My sister Mia is a pilot and I live in Lyon."},
	{"plain", "What do you think about the weather today?"},
	{"kind+action", "*hands you a cup of tea* Thank you, you're amazing!"},
}

func main() {
	turns := flag.Int("turns", 500, "measured turns")
	warmup := flag.Int("warmup", 20, "turns before measuring")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, *turns, *warmup, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench-bot:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, turns, warmup int, out io.Writer) error {
	if turns < 1 || warmup < 0 {
		return errors.New("-turns must be positive and -warmup not negative")
	}
	quiet := slog.New(slog.DiscardHandler)
	deps := &busyClock{}
	mcpURL, stopMCP, err := startMCPServer(ctx, quiet, deps)
	if err != nil {
		return err
	}
	defer stopMCP()
	var llmCalls atomic.Int64
	llm := httptest.NewServer(deps.track(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		llmCalls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"Aria: What a lovely thing to hear. Tell me more!"}}]}`)
	})))
	defer llm.Close()
	discord := discordfake.New(token)
	defer discord.Close()

	guild, channel := discord.NewGuild(), discord.NewID()
	b, err := bot.New(bot.Config{
		Token: token, GuildIDs: []string{guild}, MCPServerURL: mcpURL,
		LLM: turn.LLMConfig{BaseURL: llm.URL + "/v1", Model: "instant", Timeout: 10 * time.Second},
	}, quiet, bot.WithDiscordHTTPClient(discord.Client()))
	if err != nil {
		return err
	}
	defer b.Close()
	runCtx, stopBot := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- b.Run(runCtx) }()
	defer func() {
		stopBot()
		<-ran
	}()
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := discord.WaitConnected(waitCtx); err != nil {
		return fmt.Errorf("the bot did not connect to the emulator: %w", err)
	}

	at := discordfake.Where{GuildID: guild, ChannelID: channel, User: &discordgo.User{ID: discord.NewID(), Username: "sam", GlobalName: "Sam"}}
	for _, setup := range []struct {
		path string
		opts map[string]any
	}{
		{"character create", map[string]any{"name": "Aria", "personality": "curious, warm, bookish"}},
		{"character use", map[string]any{"name": "Aria"}},
	} {
		if _, err := interact(ctx, discord, discordfake.SlashCommand(at, setup.path, setup.opts)); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "bench-bot: %d warm-up and %d measured /talk turns (instant LLM, MCP server on SQLite, Discord emulator)\n", warmup, turns)
	byKind, ownByKind := map[string][]time.Duration{}, map[string][]time.Duration{}
	var all, own []time.Duration
	start := time.Now()
	for i := range warmup + turns {
		m := messages[i%len(messages)]
		busyBefore := deps.busy()
		d, err := interact(ctx, discord, discordfake.SlashCommand(at, "talk", map[string]any{"message": m.text}))
		if err != nil {
			return fmt.Errorf("turn %d: %w", i+1, err)
		}
		if i >= warmup {
			mine := d - (deps.busy() - busyBefore)
			byKind[m.kind] = append(byKind[m.kind], d)
			ownByKind[m.kind] = append(ownByKind[m.kind], mine)
			all, own = append(all, d), append(own, mine)
		}
	}
	elapsed := time.Since(start)
	if n := llmCalls.Load(); n != int64(warmup+turns) {
		return fmt.Errorf("the LLM got %d requests for %d turns", n, warmup+turns)
	}

	kinds := []string{"plain", "fact", "kind+action"}
	fmt.Fprintf(out, "\nwhole turn (bot + MCP server + Discord emulator; the LLM answers at once)\n")
	fmt.Fprintf(out, "%-12s %6s %9s %9s %9s %9s\n", "message", "turns", "p50", "p90", "p99", "max")
	for _, k := range kinds {
		report(out, k, byKind[k])
	}
	p99 := report(out, "all", all)
	fmt.Fprintf(out, "\nthe bot alone (the turn minus the time the MCP server or the LLM endpoint was busy with it)\n")
	fmt.Fprintf(out, "%-12s %6s %9s %9s %9s %9s\n", "message", "turns", "p50", "p90", "p99", "max")
	for _, k := range kinds {
		report(out, k, ownByKind[k])
	}
	ownP99 := report(out, "all", own)
	fmt.Fprintf(out, "\n%.0f turns/s sequentially\n", float64(warmup+turns)/elapsed.Seconds())
	verdict := "met"
	if p99 > targetP99 {
		verdict = "MISSED"
	}
	fmt.Fprintf(out, "target p99 ≤ %s per whole turn: %s (p99 %s; the bot alone %s)\n",
		targetP99, verdict, p99.Round(10*time.Microsecond), ownP99.Round(10*time.Microsecond))
	return nil
}

// busyClock measures the time during which at least one request of the
// handlers it tracks is being served.
type busyClock struct {
	mu     sync.Mutex
	active int
	since  time.Time     // start of the current busy stretch
	total  time.Duration // of the finished stretches
}

func (c *busyClock) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.active == 0 {
			c.since = time.Now()
		}
		c.active++
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.active--
			if c.active == 0 {
				c.total += time.Since(c.since)
			}
			c.mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}

// busy is the busy time so far, the current stretch included.
func (c *busyClock) busy() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active > 0 {
		return c.total + time.Since(c.since)
	}
	return c.total
}

// interact sends an interaction and returns how long the bot took to answer it.
func interact(ctx context.Context, discord *discordfake.Server, i *discordgo.Interaction) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	id, err := discord.Interact(i)
	if err != nil {
		return 0, err
	}
	st, err := discord.WaitInteraction(ctx, id, discordfake.Answered)
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("no answer: %w", err)
	}
	if text := st.Text(); strings.HasPrefix(text, "⚠️") {
		return 0, fmt.Errorf("the bot answered with an error: %s", text)
	}
	return elapsed, nil
}

// report prints the percentiles of ds and returns the p99.
func report(out io.Writer, name string, ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[max(0, int(float64(len(s))*p+0.999999)-1)] }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(out, "%-12s %6d %9s %9s %9s %9s\n", name, len(s), ms(q(0.5)), ms(q(0.9)), ms(q(0.99)), ms(s[len(s)-1]))
	return q(0.99)
}

// startMCPServer serves a fresh MCP server on SQLite in a temporary
// directory, with the builtin embedder; clock tracks its requests.
func startMCPServer(ctx context.Context, logger *slog.Logger, clock *busyClock) (url string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "bench-bot-")
	if err != nil {
		return "", nil, err
	}
	mem, err := memory.LoadConfig(func(string) (string, bool) { return "", false })
	if err != nil {
		return "", nil, errors.Join(err, os.RemoveAll(dir))
	}
	srv, err := mcpserver.Open(ctx, mcpserver.Config{DataDir: dir, Memory: mem}, logger)
	if err != nil {
		return "", nil, errors.Join(fmt.Errorf("open the MCP server: %w", err), os.RemoveAll(dir))
	}
	hs := httptest.NewServer(clock.track(srv.Handler()))
	return hs.URL + "/mcp", func() {
		hs.Close()
		_ = srv.Close()
		_ = os.RemoveAll(dir)
	}, nil
}

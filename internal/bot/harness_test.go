package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/secret"
	"github.com/mojin/charsim/internal/testsvc"
	"github.com/mojin/charsim/internal/turn"
)

// testToken is the Discord token of the tests; no log line may contain it.
const testToken = "MTIzNDU2Nzg5MDEyMzQ1Njc4.test-secret-token.abcdefghijklmnop"

// mcpServer is a real charsim MCP server on SQLite, served over HTTP.
type mcpServer struct {
	URL     string       // the /mcp endpoint
	token   secret.Value // the bearer token required, if any
	dataDir string
	addr    string
	stop    func()
}

// startMCP starts an MCP server with the builtin embedder on SQLite in a
// fresh directory; it stops when the test ends.
func startMCP(t testing.TB) *mcpServer {
	t.Helper()
	m := &mcpServer{dataDir: t.TempDir()}
	m.start(t, "127.0.0.1:0")
	t.Cleanup(func() { m.stop() })
	return m
}

// start serves the server's data directory on addr.
func (m *mcpServer) start(t testing.TB, addr string) {
	t.Helper()
	mem, err := memory.LoadConfig(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("memory config: %v", err)
	}
	srv, err := mcpserver.Open(context.Background(), mcpserver.Config{DataDir: m.dataDir, Memory: mem, AuthToken: m.token}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the MCP server: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen for the MCP server on %s: %v", addr, err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }() // ends with Close below
	m.addr = ln.Addr().String()
	m.URL = "http://" + m.addr + "/mcp"
	stopped := false
	m.stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("close the MCP server: %v", err)
		}
	}
}

// restart stops the server and serves the same data on the same address
// again, as a restarted pod does.
func (m *mcpServer) restart(t testing.TB) {
	t.Helper()
	m.stop()
	m.start(t, m.addr)
}

// chatRequest and chatMessage are the OpenAI chat completions wire format,
// as the endpoint sees it.
type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// fakeLLM is a local OpenAI-compatible chat endpoint whose answer each
// test chooses.
type fakeLLM struct {
	*httptest.Server
	mu       sync.Mutex
	answer   func(r chatRequest) (string, time.Duration)
	requests []chatRequest
}

func startLLM(t testing.TB) *fakeLLM {
	t.Helper()
	f := &fakeLLM{answer: func(chatRequest) (string, time.Duration) { return "Hello there.", 0 }}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		writeJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]string{"id": "test-model"}}})
		return
	case "/v1/chat/completions":
	default:
		http.NotFound(w, r)
		return
	}
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	answer := f.answer
	f.mu.Unlock()
	content, delay := answer(req)
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"choices": []any{map[string]any{"message": chatMessage{Role: "assistant", Content: content}}}})
}

// setAnswer changes how the endpoint answers.
func (f *fakeLLM) setAnswer(answer func(r chatRequest) (string, time.Duration)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

func (f *fakeLLM) lastRequest(t testing.TB) chatRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the LLM received no request")
	}
	return f.requests[len(f.requests)-1]
}

// echoMemories answers with the memory lines of the system prompt, which
// shows whether the bot passed what the character remembers.
func echoMemories(r chatRequest) (string, time.Duration) {
	_, memories, _ := strings.Cut(r.Messages[0].Content, "What you remember (most relevant first):\n")
	memories, _, _ = strings.Cut(memories, "\n\n")
	if memories == "" {
		return "I remember nothing about that.", 0
	}
	return "I remember this:\n" + memories, 0
}

// harness is a bot connected to a Discord emulator, a real MCP server and a
// fake LLM.
type harness struct {
	bot     *Bot
	discord *discordfake.Server
	mcp     *mcpServer
	llm     *fakeLLM
	logs    *testsvc.LogBuffer
	guild   string
	channel string
	user    *discordgo.User
	// client is an MCP client of the tests' own, to check what the bot stored.
	client *turn.Client
}

// testConfig is the configuration of a harness: rate limits off, a one
// second LLM timeout (the test endpoint answers at once unless told not to).
func testConfig(mcpURL, llmURL string) Config {
	return Config{
		Token: testToken, MCPServerURL: mcpURL,
		LLM: turn.LLMConfig{BaseURL: llmURL + "/v1", Model: "test-model", Timeout: time.Second, MaxRetries: 1},
	}
}

// startBot runs a bot until the test ends and waits for its gateway
// connection. configure changes the configuration and prepare the bot
// before it runs; either may be nil.
func startBot(t *testing.T, configure func(*Config), prepare func(*Bot)) *harness {
	t.Helper()
	h := &harness{discord: discordfake.New(testToken), mcp: startMCP(t), llm: startLLM(t), logs: &testsvc.LogBuffer{}}
	t.Cleanup(h.discord.Close)
	h.guild, h.channel = h.discord.NewGuild(), h.discord.NewID()
	h.user = &discordgo.User{ID: h.discord.NewID(), Username: "sam", GlobalName: "Sam"}
	cfg := testConfig(h.mcp.URL, h.llm.URL)
	cfg.GuildIDs = []string{h.guild}
	if configure != nil {
		configure(&cfg)
	}
	logger := slog.New(slog.NewJSONHandler(io.MultiWriter(h.logs, t.Output()), &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, err := New(cfg, logger, WithDiscordHTTPClient(h.discord.Client()))
	if err != nil {
		t.Fatalf("new bot: %v", err)
	}
	h.bot = b
	if prepare != nil {
		prepare(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		runErr = b.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-ran
		if runErr != nil {
			t.Errorf("run: %v", runErr)
		}
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if strings.Contains(h.logs.String(), testToken) {
			t.Error("the Discord token appears in the bot's logs")
		}
	})
	waitCtx, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	connected := make(chan error, 1)
	go func() { connected <- h.discord.WaitConnected(waitCtx) }()
	select {
	case err := <-connected:
		if err != nil {
			t.Fatalf("the bot did not connect to the gateway: %v", err)
		}
	case <-ran:
		t.Fatalf("the bot stopped before connecting: %v", runErr)
	}
	h.client = turn.NewHTTPClient(h.mcp.URL, "", mcpClientName)
	t.Cleanup(func() { _ = h.client.Close() })
	return h
}

// where is the harness's guild channel and user.
func (h *harness) where() discordfake.Where {
	return discordfake.Where{GuildID: h.guild, ChannelID: h.channel, User: h.user}
}

// slash runs a slash command as the harness user in the harness channel and
// waits until the bot answered it.
func (h *harness) slash(t *testing.T, path string, options map[string]any) discordfake.InteractionState {
	t.Helper()
	return h.interact(t, discordfake.SlashCommand(h.where(), path, options))
}

func (h *harness) interact(t *testing.T, i *discordgo.Interaction) discordfake.InteractionState {
	t.Helper()
	return h.interactUntil(t, i, discordfake.Answered)
}

// interactUntil sends an interaction and waits until done holds for what
// the bot did with it.
func (h *harness) interactUntil(t *testing.T, i *discordgo.Interaction, done func(discordfake.InteractionState) bool) discordfake.InteractionState {
	t.Helper()
	id, err := h.discord.Interact(i)
	if err != nil {
		t.Fatalf("interact: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	st, err := h.discord.WaitInteraction(ctx, id, done)
	if err != nil {
		t.Fatalf("no answer to the interaction (state %+v): %v", st, err)
	}
	return st
}

// wantPublic checks the answer is one or more public messages and returns their text.
func wantPublic(t *testing.T, st discordfake.InteractionState) string {
	t.Helper()
	for _, m := range st.Visible() {
		if m.Ephemeral {
			t.Errorf("message %q is ephemeral, want public", m.Content)
		}
		checkNoMentions(t, m)
	}
	return st.Text()
}

// wantEphemeral checks every visible message is ephemeral and returns their text.
func wantEphemeral(t *testing.T, st discordfake.InteractionState) string {
	t.Helper()
	vis := st.Visible()
	if len(vis) == 0 {
		t.Fatal("no visible message")
	}
	for _, m := range vis {
		if !m.Ephemeral {
			t.Errorf("message %q is public, want ephemeral", m.Content)
		}
		checkNoMentions(t, m)
	}
	return st.Text()
}

func checkNoMentions(t *testing.T, m discordfake.Message) {
	t.Helper()
	if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(m.AllowedMentions.Parse) != 0 ||
		len(m.AllowedMentions.Users) != 0 || len(m.AllowedMentions.Roles) != 0 {
		t.Errorf("message %q has allowed mentions %+v, want an empty parse list", m.Content, m.AllowedMentions)
	}
}

// wantError checks the answer is one ephemeral error message containing want.
func wantError(t *testing.T, st discordfake.InteractionState, want string) {
	t.Helper()
	text := wantEphemeral(t, st)
	if !strings.HasPrefix(text, "⚠️") || !strings.Contains(text, want) {
		t.Errorf("answer %q, want an error containing %q", text, want)
	}
}

// get fetches a health endpoint of the bot.
func (h *harness) get(t *testing.T, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.bot.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// fatalIf fails the test on err, showing a tool error's explanation.
func fatalIf(t testing.TB, err error) {
	t.Helper()
	var te *turn.ToolError
	if errors.As(err, &te) {
		t.Fatalf("tool %s failed: %s", te.Tool, te.Message)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// What the bot stored, read through the tests' own MCP client.

func (h *harness) profile(t testing.TB, character string) turn.Profile {
	t.Helper()
	p, err := h.client.GetCharacter(t.Context(), character)
	fatalIf(t, err)
	return p
}

func (h *harness) context(t testing.TB, character string) turn.Context {
	t.Helper()
	rc, err := h.client.GetContext(t.Context(), turn.ContextRequest{Character: character, Channel: h.channel, User: h.user.ID})
	fatalIf(t, err)
	return rc
}

func (h *harness) memoriesAbout(t testing.TB, character, query string) []turn.Memory {
	t.Helper()
	ms, err := h.client.Recall(t.Context(), turn.RecallRequest{Character: character, Query: query, User: h.user.ID})
	fatalIf(t, err)
	return ms
}

func (h *harness) story(t testing.TB) []turn.Event {
	t.Helper()
	events, err := h.client.Timeline(t.Context(), h.channel, 50)
	fatalIf(t, err)
	return events
}

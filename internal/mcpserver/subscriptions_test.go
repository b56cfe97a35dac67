package mcpserver

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
)

// subscriber connects an SDK client whose resources/updated notifications
// arrive on the returned channel. The latest protocol subscribes over the
// stateless HTTP endpoint (subscriptions/listen); the 2025 protocols need a
// session that lasts, as stdio gives, so they connect in memory.
func subscriber(t *testing.T, ts *testServer, protocol string) (*mcp.ClientSession, <-chan string) {
	t.Helper()
	updated := make(chan string, 16)
	client := mcp.NewClient(&mcp.Implementation{Name: "charsim-test", Version: "test"}, &mcp.ClientOptions{
		ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			updated <- req.Params.URI
		},
	})
	var transport mcp.Transport = &mcp.StreamableClientTransport{
		Endpoint: ts.URL + "/mcp", HTTPClient: &http.Client{Timeout: 30 * time.Second}, MaxRetries: -1,
	}
	var opts *mcp.ClientSessionOptions
	if protocol != "" {
		opts = &mcp.ClientSessionOptions{ProtocolVersion: protocol}
		clientSide, serverSide := mcp.NewInMemoryTransports()
		ss, err := ts.mcp.Connect(t.Context(), serverSide, nil)
		if err != nil {
			t.Fatalf("serve in memory: %v", err)
		}
		t.Cleanup(func() { ss.Close() })
		transport = clientSide
	}
	s, err := client.Connect(t.Context(), transport, opts)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, updated
}

func waitUpdate(t *testing.T, updated <-chan string, uri string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case got := <-updated:
			if got == uri {
				return
			}
		case <-deadline:
			t.Fatalf("no notifications/resources/updated for %s within 5s", uri)
		}
	}
}

func noUpdate(t *testing.T, updated <-chan string, d time.Duration) {
	t.Helper()
	select {
	case got := <-updated:
		t.Fatalf("unexpected update of %s", got)
	case <-time.After(d):
	}
}

func TestResourceSubscriptions(t *testing.T) {
	for _, protocol := range []string{"", "2025-06-18"} {
		name := protocol
		if name == "" {
			name = "latest"
		}
		t.Run(name, func(t *testing.T) {
			ts, _ := startServer(t, testConfig(t))
			s, updated := subscriber(t, ts, protocol)
			if caps := s.InitializeResult().Capabilities; caps.Resources == nil || !caps.Resources.Subscribe || caps.Completions == nil {
				t.Fatalf("capabilities = %+v, want resources.subscribe and completions", caps)
			}
			aria := call[store.Character](t, s, "create_character", map[string]any{"name": "Aria"})
			ctx := t.Context()

			if err := s.Subscribe(ctx, &mcp.SubscribeParams{URI: "timeline://harbour"}); err != nil {
				t.Fatalf("subscribe timeline: %v", err)
			}
			call[store.TimelineEvent](t, s, "add_event", map[string]any{"channel": "harbour", "description": "A storm reaches the harbour"})
			waitUpdate(t, updated, "timeline://harbour")
			call[store.TimelineEvent](t, s, "add_event", map[string]any{"channel": "market", "description": "Bread is sold"})
			noUpdate(t, updated, 300*time.Millisecond) // another channel

			// By name: a write names the character by ID, and still reaches it.
			if err := s.Subscribe(ctx, &mcp.SubscribeParams{URI: "character://Aria"}); err != nil {
				t.Fatalf("subscribe character: %v", err)
			}
			call[store.Memory](t, s, "remember", map[string]any{"character": aria.ID, "text": "Bram owes Aria a favour"})
			waitUpdate(t, updated, "character://Aria")

			if err := s.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: "timeline://harbour"}); err != nil {
				t.Fatalf("unsubscribe: %v", err)
			}
			call[store.TimelineEvent](t, s, "add_event", map[string]any{"channel": "harbour", "description": "The storm passes"})
			noUpdate(t, updated, 300*time.Millisecond)

			// A name that is no character yet is followed, and found once it is one.
			if err := s.Subscribe(ctx, &mcp.SubscribeParams{URI: "character://Bram"}); err != nil {
				t.Fatalf("subscribe to a character not yet created: %v", err)
			}
			call[store.Character](t, s, "create_character", map[string]any{"name": "Bram"})
			waitUpdate(t, updated, "character://Bram")

			// Any URI is accepted, as the specification expects; it is never announced.
			if err := s.Subscribe(ctx, &mcp.SubscribeParams{URI: "test://watched-resource"}); err != nil {
				t.Fatalf("subscribe to another scheme: %v", err)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	s := ts.session(t)
	for _, name := range []string{"Aria", "Arden", "Bram"} {
		call[store.Character](t, s, "create_character", map[string]any{"name": name})
	}
	call[store.TimelineEvent](t, s, "add_event", map[string]any{"channel": "harbour", "description": "A storm"})
	call[store.TimelineEvent](t, s, "add_event", map[string]any{"channel": "hall", "description": "A feast"})

	complete := func(ref *mcp.CompleteReference, arg, value string) []string {
		t.Helper()
		res, err := s.Complete(t.Context(), &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: arg, Value: value}})
		if err != nil {
			t.Fatalf("complete %s %s=%q: %v", ref.Type, arg, value, err)
		}
		return res.Completion.Values
	}
	character := &mcp.CompleteReference{Type: "ref/resource", URI: "character://{id}"}
	if got := complete(character, "id", "ar"); !slices.Equal(got, []string{"Arden", "Aria"}) {
		t.Errorf("character://{id} completes %q to %q, want Aria and Arden", "ar", got)
	}
	prompt := &mcp.CompleteReference{Type: "ref/prompt", Name: "roleplay"}
	if got := complete(prompt, "character", "B"); !slices.Equal(got, []string{"Bram"}) {
		t.Errorf("roleplay character completes %q to %q, want Bram", "B", got)
	}
	if got := complete(&mcp.CompleteReference{Type: "ref/resource", URI: "timeline://{channel}"}, "channel", "ha"); !slices.Equal(got, []string{"harbour", "hall"}) && !slices.Equal(got, []string{"hall", "harbour"}) {
		t.Errorf("timeline://{channel} completes %q to %q, want hall and harbour", "ha", got)
	}
	if got := complete(prompt, "message", "x"); len(got) != 0 {
		t.Errorf("free text argument completes to %q, want nothing", got)
	}
	if _, err := s.Complete(t.Context(), &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "nope"},
		Argument: mcp.CompleteParamsArgument{Name: "x"}}); err == nil {
		t.Error("completing an unknown prompt succeeded")
	}
}

// TestSubscriptionSeesOtherProcesses writes a memory through a second store
// handle on the same SQLite file, as charsimctl or another replica would.
func TestSubscriptionSeesOtherProcesses(t *testing.T) {
	cfg := testConfig(t)
	ts, _ := startServer(t, cfg)
	s, updated := subscriber(t, ts, "")
	aria := call[store.Character](t, s, "create_character", map[string]any{"name": "Aria"})
	if err := s.Subscribe(t.Context(), &mcp.SubscribeParams{URI: "character://" + aria.ID}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	other, err := store.Open(t.Context(), "", cfg.DataDir)
	if err != nil {
		t.Fatalf("open a second handle: %v", err)
	}
	defer other.Close()
	vector := make([]float32, cfg.Memory.Embedding.Dimensions)
	vector[0] = 1
	if _, err := other.CreateMemoryWithVector(t.Context(), store.Memory{CharacterID: aria.ID, Kind: store.KindSemantic, Text: "fears the sea", Importance: 5}, vector); err != nil {
		t.Fatalf("remember elsewhere: %v", err)
	}
	waitUpdate(t, updated, "character://"+aria.ID)
}

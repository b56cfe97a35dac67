package mcpserver

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// benchMemories is how many memories the recall benchmark searches, the
// size at which the issue compares throughput with the npm memory server.
const benchMemories = 10_000

// BenchmarkToolCall measures tool calls over streamable HTTP as a client
// sees them: the cheapest tool (list_characters of one character), which is
// what every call costs on top of its work; get_character by name; and
// recall over 10k memories of one character.
func BenchmarkToolCall(b *testing.B) {
	cfg := testConfig(b)
	aria := preloadMemories(b, cfg, benchMemories)
	srv, err := Open(b.Context(), cfg, NewLogger(b.Output(), slog.LevelWarn))
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	s := (&testServer{Server: srv, URL: hs.URL}).session(b)
	for _, tc := range []struct {
		tool string
		args func(i int) map[string]any
	}{
		{"list_characters", func(int) map[string]any { return nil }},
		{"get_character", func(int) map[string]any { return map[string]any{"character": aria} }},
		{"recall", func(i int) map[string]any {
			return map[string]any{"character": aria, "query": fmt.Sprintf("what about the lantern %d?", i%97), "limit": 5}
		}},
	} {
		b.Run(tc.tool, func(b *testing.B) {
			i := 0
			for b.Loop() {
				res, err := s.CallTool(b.Context(), &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args(i)})
				if err != nil {
					b.Fatalf("%s: %v", tc.tool, err)
				}
				if res.IsError {
					b.Fatalf("%s failed: %s", tc.tool, resultText(res))
				}
				i++
			}
		})
	}
}

// preloadMemories imports a character named Aria with n memories and their
// builtin embeddings into cfg's store, in one transaction, and returns the name.
func preloadMemories(b *testing.B, cfg Config, n int) string {
	b.Helper()
	st, err := store.Open(b.Context(), cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	emb, err := memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension)
	if err != nil {
		b.Fatal(err)
	}
	c := store.Character{ID: "bench-aria", Name: "Aria"}
	d := &store.Dataset{Characters: []store.Character{c}}
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("Aria saw lantern %d and ship %d near the harbour %d", i%97, i%89, i%83)
	}
	vectors, err := emb.Embed(b.Context(), texts)
	if err != nil {
		b.Fatal(err)
	}
	for i, text := range texts {
		m := store.Memory{ID: fmt.Sprintf("m%06d", i), CharacterID: c.ID, Kind: store.KindEpisodic, Text: text, Importance: 1 + i%10}
		d.Memories = append(d.Memories, m)
		d.Vectors = append(d.Vectors, store.MemoryVector{MemoryID: m.ID, CharacterID: c.ID, Kind: m.Kind, Vector: vectors[i]})
	}
	if _, err := st.Import(b.Context(), d); err != nil {
		b.Fatal(err)
	}
	return c.Name
}

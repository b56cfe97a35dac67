package mcpserver

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// BenchmarkToolCall measures tool calls over streamable HTTP as a client
// sees them: the cheapest tool (list_characters of one character), what
// every call costs on top of its work, and get_character by name.
func BenchmarkToolCall(b *testing.B) {
	srv, err := Open(b.Context(), testConfig(b), NewLogger(b.Output(), slog.LevelWarn))
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	s := (&testServer{Server: srv, URL: hs.URL}).session(b)
	call[store.Character](b, s, "create_character", map[string]any{"name": "Aria"})
	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"list_characters", nil},
		{"get_character", map[string]any{"character": "Aria"}},
	} {
		b.Run(tc.tool, func(b *testing.B) {
			for b.Loop() {
				call[map[string]any](b, s, tc.tool, tc.args)
			}
		})
	}
}

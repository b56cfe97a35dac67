package mcpserver

import (
	"context"
	"io"
	"log/slog"
)

// NewLogger returns the JSON logger the server writes to w (stderr: in stdio
// mode stdout carries the protocol).
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// sdkLogger is the logger handed to the MCP SDK: its INFO records (one per
// session, and a stateless server opens a session per request) are demoted
// to DEBUG; warnings and errors stay as they are.
func sdkLogger(l *slog.Logger) *slog.Logger {
	return slog.New(demotedHandler{l.Handler()})
}

type demotedHandler struct{ slog.Handler }

func demote(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}

func (h demotedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(l))
}

func (h demotedHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h demotedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return demotedHandler{h.Handler.WithAttrs(attrs)}
}

func (h demotedHandler) WithGroup(name string) slog.Handler {
	return demotedHandler{h.Handler.WithGroup(name)}
}

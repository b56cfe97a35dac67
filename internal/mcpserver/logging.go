package mcpserver

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
)

// NewLogger returns the JSON logger the server writes to w (stderr: in stdio
// mode stdout carries the protocol).
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// secretQueryParams are connection-string parameters that carry credentials.
var secretQueryParams = []string{"password", "sslpassword", "token", "api_key", "apikey"}

// RedactURL returns raw with its password and credential query parameters
// replaced, fit for logs. Something that does not parse as a URL is hidden
// entirely, because it might be a credential.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for _, name := range secretQueryParams {
			if q.Has(name) {
				q.Set(name, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// redactIn replaces every occurrence of rawURL in msg (library errors often
// quote the URL they failed on) with its redacted form.
func redactIn(msg, rawURL string) string {
	if rawURL == "" {
		return msg
	}
	return strings.ReplaceAll(msg, rawURL, RedactURL(rawURL))
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

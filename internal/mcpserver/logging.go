package mcpserver

import (
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

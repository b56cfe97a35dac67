package ctl

import (
	"net/url"
	"strings"

	"github.com/mojin/charsim/internal/mcpserver"
)

// redactURL hides the credentials in a connection URL.
func redactURL(raw string) string { return mcpserver.RedactURL(raw) }

// hasPassword reports whether a connection URL carries a password.
func hasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	_, set := u.User.Password()
	return set || u.Query().Has("password")
}

// scrub returns err's message with every one of the connection URLs in it
// replaced by its redacted form (library errors sometimes quote the URL they
// failed on).
func scrub(err error, rawURLs ...string) string {
	msg := err.Error()
	for _, raw := range rawURLs {
		if raw != "" {
			msg = strings.ReplaceAll(msg, raw, redactURL(raw))
		}
	}
	return msg
}

package bot

import (
	"log/slog"
	"regexp"

	"github.com/mojin/charsim/internal/secret"
)

// tokenInURL matches the secret part of Discord's token-bearing URLs,
// webhooks/<id>/<token> and interactions/<id>/<token>: an interaction
// token lets anyone edit the bot's answer for 15 minutes, a webhook token
// lets anyone post as the webhook. A failed request's error quotes its URL.
var tokenInURL = regexp.MustCompile(`((?:webhooks|interactions)/\d+/)[^/?#\s"']+`)

// redactTokens replaces the tokens of such URLs in s.
func redactTokens(s string) string {
	return tokenInURL.ReplaceAllString(s, "${1}"+secret.Redacted)
}

// redactedError logs an error with the tokens of its URLs redacted.
type redactedError struct{ err error }

func (r redactedError) LogValue() slog.Value {
	if r.err == nil {
		return slog.StringValue("<nil>")
	}
	return slog.StringValue(redactTokens(r.err.Error()))
}

// Package redact hides the credentials in connection URLs (DATABASE_URL,
// REDIS_URL, …) before they reach logs, errors or command output.
package redact

import (
	"net/url"
	"strings"
)

// secretQueryParams are connection-string parameters that carry credentials.
var secretQueryParams = []string{"password", "sslpassword", "token", "api_key", "apikey"}

// URL returns raw with its password and credential query parameters
// replaced, fit for logs. Something that does not parse as a URL is hidden
// entirely, because it might be a credential.
func URL(raw string) string {
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

// In replaces every occurrence of each of the raw URLs in msg (library
// errors often quote the URL they failed on) with its redacted form.
func In(msg string, rawURLs ...string) string {
	for _, raw := range rawURLs {
		if raw != "" {
			msg = strings.ReplaceAll(msg, raw, URL(raw))
		}
	}
	return msg
}

// Package secret holds credentials read from the environment so that they
// never reach logs, events, status or command lines. It imports nothing but
// the standard library: the Discord bot uses it and must stay free of the
// MCP server's database drivers.
package secret

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Redacted is what a Value shows instead of itself.
const Redacted = "[REDACTED]"

// Value is a credential (a bot token, a bearer token, an API key). It prints
// as [REDACTED] in %v, %#v, JSON, text encoders and slog; an empty Value
// prints empty, so "not set" stays visible. string(v) gives the real value
// where it is needed.
type Value string

// String hides the secret.
func (v Value) String() string {
	if v == "" {
		return ""
	}
	return Redacted
}

// GoString hides the secret from %#v.
func (v Value) GoString() string { return v.String() }

// MarshalText hides the secret from JSON and other encoders.
func (v Value) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// LogValue hides the secret from slog.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.String()) }

// FromEnv reads variable name, or the file named by name_FILE (a mounted
// Kubernetes Secret), through lookup (os.LookupEnv in production). Setting
// both is an error naming both; so is an empty file. Surrounding whitespace
// is dropped from either. The value never appears in an error.
func FromEnv(name string, lookup func(string) (string, bool)) (Value, error) {
	fileVar := name + "_FILE"
	value, path := trimmed(lookup, name), trimmed(lookup, fileVar)
	switch {
	case value != "" && path != "":
		return "", fmt.Errorf("%s: set either %s or %s, not both", name, name, fileVar)
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s: read the secret file: %w", fileVar, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s: the file %s is empty", fileVar, path)
		}
		return Value(v), nil
	default:
		return Value(value), nil
	}
}

func trimmed(lookup func(string) (string, bool), name string) string {
	v, _ := lookup(name)
	return strings.TrimSpace(v)
}

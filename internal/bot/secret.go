package bot

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Secret is a credential (the Discord token, the MCP bearer token, the LLM
// API key). It prints as [REDACTED] in logs, %v and JSON; string(s) gives the
// value where it is really needed.
type Secret string

const redacted = "[REDACTED]"

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalText hides the secret from encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// readSecret reads variable name, or the file named by name_FILE (a mounted
// Kubernetes Secret). The value never appears in an error.
func readSecret(name string, env func(string) string) (Secret, error) {
	fileVar := name + "_FILE"
	value, path := env(name), env(fileVar)
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
		return Secret(v), nil
	default:
		return Secret(value), nil
	}
}

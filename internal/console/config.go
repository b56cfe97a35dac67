package console

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultBasePath is where the console is served unless CONSOLE_BASE_PATH
// says otherwise.
const DefaultBasePath = "/console/"

// Config is the console's part of the mcp-server configuration.
type Config struct {
	// Enabled serves the console (CONSOLE_ENABLED, default true).
	Enabled bool
	// BasePath is the URL path the console lives under, with a leading and
	// a trailing slash (CONSOLE_BASE_PATH, default /console/).
	BasePath string
}

// LoadConfig reads CONSOLE_ENABLED and CONSOLE_BASE_PATH through lookup
// (os.LookupEnv in production); every error names its variable.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	cfg := Config{Enabled: true, BasePath: DefaultBasePath}
	var errs []error
	if v := env("CONSOLE_ENABLED"); v != "" {
		enabled, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CONSOLE_ENABLED: must be true or false, got %q", v))
		}
		cfg.Enabled = enabled
	}
	if v := env("CONSOLE_BASE_PATH"); v != "" {
		base, err := normaliseBasePath(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CONSOLE_BASE_PATH: %w", err))
		}
		cfg.BasePath = base
	}
	return cfg, errors.Join(errs...)
}

// reservedPaths are the MCP server's own endpoints, which the console must
// not shadow.
var reservedPaths = []string{"/mcp", "/healthz", "/readyz"}

// normaliseBasePath accepts "/admin", "/admin/" or "/a/b/" and returns the
// form with both slashes. The root and the server's endpoints are refused:
// the console would shadow /mcp and the probes.
func normaliseBasePath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("must start with /, got %q", p)
	}
	base := strings.TrimSuffix(p, "/") + "/"
	if base == "/" {
		return "", errors.New("must not be / (the console would shadow /mcp and the probes); use a path such as /console/")
	}
	for _, r := range base {
		ok := r == '/' || r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return "", fmt.Errorf("may hold only letters, digits, '/', '-', '_' and '.', got %q", p)
		}
	}
	if strings.Contains(base, "//") || strings.Contains(base, "/./") || strings.Contains(base, "/../") {
		return "", fmt.Errorf("must be a clean path, got %q", p)
	}
	for _, r := range reservedPaths {
		if base == r+"/" {
			return "", fmt.Errorf("must not be %s, which the MCP server serves itself", r)
		}
	}
	return base, nil
}

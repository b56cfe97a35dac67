package turn

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/secret"
)

// Defaults of the chat endpoint settings.
const (
	DefaultLLMTimeout    = 60 * time.Second
	DefaultLLMMaxRetries = 2
	maxLLMRetries        = 10
)

// LLMConfig is an OpenAI-compatible chat completions endpoint.
type LLMConfig struct {
	// BaseURL is the API root, e.g. http://ollama:11434/v1 (LLM_BASE_URL).
	BaseURL string
	// Model is the model name (LLM_MODEL).
	Model string
	// APIKey is sent as a bearer token (LLM_API_KEY or LLM_API_KEY_FILE).
	APIKey secret.Value
	// Timeout bounds each request (LLM_TIMEOUT).
	Timeout time.Duration
	// MaxRetries is the number of retries after a timeout, 429 or 5xx (LLM_MAX_RETRIES).
	MaxRetries int
}

// Enabled reports whether a chat endpoint is configured.
func (c LLMConfig) Enabled() bool { return c.BaseURL != "" }

// Responder is the responder this configuration selects: the chat endpoint
// when one is configured, the offline responder otherwise. venue is where
// the conversation happens, as the model is told; observe is as for
// NewChatClient.
func (c LLMConfig) Responder(venue string, observe func(time.Duration, error)) Responder {
	if !c.Enabled() {
		return OfflineResponder{}
	}
	return LLMResponder{Chat: NewChatClient(c, observe), Venue: venue}
}

// LoadLLMConfig reads LLM_BASE_URL, LLM_MODEL, LLM_API_KEY (or
// LLM_API_KEY_FILE), LLM_TIMEOUT and LLM_MAX_RETRIES through lookup
// (os.LookupEnv in production): the same variables for the Discord bot and
// the mcp-server's console. Every problem is reported, by its variable, in
// one line.
func LoadLLMConfig(lookup func(string) (string, bool)) (LLMConfig, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	c := LLMConfig{
		// The routes are appended to it: a trailing slash would double.
		BaseURL: strings.TrimRight(env("LLM_BASE_URL"), "/"), Model: env("LLM_MODEL"),
		Timeout: DefaultLLMTimeout, MaxRetries: DefaultLLMMaxRetries,
	}
	var problems []string
	key, err := secret.FromEnv("LLM_API_KEY", lookup)
	if err != nil {
		problems = append(problems, err.Error())
	}
	c.APIKey = key
	if v := env("LLM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("LLM_TIMEOUT: must be a positive duration such as 60s, got %q", v))
		}
		c.Timeout = d
	}
	if v := env("LLM_MAX_RETRIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxLLMRetries {
			problems = append(problems, fmt.Sprintf("LLM_MAX_RETRIES: must be a whole number from 0 to %d, got %q", maxLLMRetries, v))
		}
		c.MaxRetries = n
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "LLM_BASE_URL: must be an http(s) URL such as http://ollama:11434/v1")
		}
		if c.Model == "" {
			problems = append(problems, "LLM_MODEL: must be set when LLM_BASE_URL is set (e.g. llama3.1 or gpt-4o-mini)")
		}
	}
	if len(problems) > 0 {
		return c, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// Description says which responder the configuration selects, without the
// API key or a password in the URL: for start-up logs and status pages.
func (c LLMConfig) Description() string {
	if !c.Enabled() {
		return "offline responder (LLM_BASE_URL not set)"
	}
	return c.Model + " at " + redactURL(c.BaseURL)
}

// redactURL hides a URL's password; what does not parse is hidden entirely.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	return u.Redacted()
}

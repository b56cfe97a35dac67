package turn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// ErrLLMTimeout marks a chat request that did not finish within LLM_TIMEOUT
// on any attempt.
var ErrLLMTimeout = errors.New("the language model did not answer in time")

// LLMStatusError is a chat endpoint that answered with an error status.
type LLMStatusError struct {
	Status int
	Body   string
}

func (e *LLMStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// ChatClient calls an OpenAI-compatible POST {base}/chat/completions
// (OpenAI, Ollama, vLLM, LM Studio, llama.cpp server, ...).
type ChatClient struct {
	httpClient *http.Client
	endpoint   string
	modelsURL  string
	cfg        LLMConfig
	// retryDelay is the first backoff interval; it grows exponentially.
	retryDelay time.Duration
	observe    func(time.Duration, error)
}

// NewChatClient returns a client of the endpoint cfg names. observe, when
// not nil, is told the duration and outcome of every request attempt (the
// bot's latency metric): a timeout's error matches ErrLLMTimeout.
func NewChatClient(cfg LLMConfig, observe func(d time.Duration, err error)) *ChatClient {
	if observe == nil {
		observe = func(time.Duration, error) {}
	}
	return &ChatClient{
		httpClient: &http.Client{},
		endpoint:   cfg.BaseURL + "/chat/completions",
		modelsURL:  cfg.BaseURL + "/models",
		cfg:        cfg,
		retryDelay: 500 * time.Millisecond,
		observe:    observe,
	}
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
}

// complete returns the model's reply to messages, retrying timeouts, rate
// limits (429), server errors and network errors with exponential backoff.
func (c *ChatClient) complete(ctx context.Context, messages []chatMessage) (string, error) {
	body, err := json.Marshal(chatRequest{Model: c.cfg.Model, Messages: messages})
	if err != nil {
		return "", fmt.Errorf("encode the chat request: %w", err)
	}
	policy := backoff.NewExponentialBackOff()
	policy.InitialInterval = c.retryDelay
	reply, err := backoff.Retry(ctx, func() (string, error) {
		return c.attempt(ctx, body)
	}, backoff.WithBackOff(policy), backoff.WithMaxTries(uint(c.cfg.MaxRetries)+1), backoff.WithMaxElapsedTime(0))
	if err != nil {
		return "", fmt.Errorf("chat with %s: %w", c.cfg.Model, err)
	}
	return reply, nil
}

// attempt makes one request; errors that retrying cannot fix are permanent.
func (c *ChatClient) attempt(ctx context.Context, body []byte) (_ string, err error) {
	start := time.Now()
	defer func() { c.observe(time.Since(start), err) }()

	attemptCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", backoff.Permanent(fmt.Errorf("build the request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	c.authorize(req)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return "", c.transportError(ctx, attemptCtx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		statusErr := &LLMStatusError{Status: resp.StatusCode, Body: string(bytes.TrimSpace(snippet))}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return "", statusErr
		}
		return "", backoff.Permanent(statusErr)
	}
	var parsed chatResponse
	if err := json.NewDecoder(resp.Body).Decode(&parsed); err != nil {
		if attemptCtx.Err() != nil { // the body was cut off by a deadline
			return "", c.transportError(ctx, attemptCtx, fmt.Errorf("read the response: %w", err))
		}
		return "", backoff.Permanent(fmt.Errorf("decode the response: %w", err))
	}
	if len(parsed.Choices) == 0 {
		return "", backoff.Permanent(errors.New("the response has no choices"))
	}
	return parsed.Choices[0].Message.Content, nil
}

// transportError sorts out a failed attempt: the caller's context ending
// ends the retries; the attempt's own deadline is an LLM timeout, worth
// another try like other network errors.
func (c *ChatClient) transportError(ctx, attemptCtx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return backoff.Permanent(fmt.Errorf("%w: %w", ctx.Err(), err))
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w (LLM_TIMEOUT %s): %w", ErrLLMTimeout, c.cfg.Timeout, err)
	default:
		return err
	}
}

// Ping checks the endpoint answers GET {base}/models, which OpenAI, Ollama,
// vLLM and the other compatible servers serve.
func (c *ChatClient) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.modelsURL, nil)
	if err != nil {
		return fmt.Errorf("build the request: %w", err)
	}
	c.authorize(req)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return &LLMStatusError{Status: resp.StatusCode, Body: http.StatusText(resp.StatusCode)}
	}
	return nil
}

func (c *ChatClient) authorize(req *http.Request) {
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+string(c.cfg.APIKey))
	}
}

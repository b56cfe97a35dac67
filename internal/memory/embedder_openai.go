package memory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/mojin/charsim/internal/secret"
)

// retryInitialInterval is the first backoff interval; it grows exponentially.
const retryInitialInterval = 500 * time.Millisecond

// maxRetryAfter caps a server's Retry-After so a misconfigured proxy cannot
// stall a request for hours.
const maxRetryAfter = 30 * time.Second

// OpenAIEmbedder calls an OpenAI-compatible POST {baseURL}/embeddings
// endpoint (OpenAI, Ollama, vLLM, LocalAI, ...).
type OpenAIEmbedder struct {
	client   *http.Client
	endpoint string
	// shownEndpoint is endpoint without a password, for error messages.
	shownEndpoint  string
	model          string
	apiKey         secret.Value
	dim            int
	sendDimensions bool
	batchSize      int
	timeout        time.Duration
	maxRetries     int
}

// NewOpenAIEmbedder returns an embedder for cfg. When cfg.Dimensions is 0 it
// asks the endpoint once for a probe embedding to learn the dimension, so ctx
// bounds that request.
func NewOpenAIEmbedder(ctx context.Context, cfg EmbeddingConfig) (*OpenAIEmbedder, error) {
	switch {
	case cfg.Model == "":
		return nil, errors.New("openai embedder: EMBEDDING_MODEL is required")
	case cfg.Dimensions < 0 || cfg.Dimensions > maxEmbeddingDimension:
		return nil, fmt.Errorf("openai embedder: EMBEDDING_DIMENSIONS must be between 1 and %d, got %d", maxEmbeddingDimension, cfg.Dimensions)
	case cfg.BatchSize < 1:
		return nil, fmt.Errorf("openai embedder: EMBEDDING_BATCH_SIZE must be positive, got %d", cfg.BatchSize)
	case cfg.Timeout <= 0:
		return nil, fmt.Errorf("openai embedder: EMBEDDING_TIMEOUT must be positive, got %v", cfg.Timeout)
	case cfg.MaxRetries < 0:
		return nil, fmt.Errorf("openai embedder: EMBEDDING_MAX_RETRIES must not be negative, got %d", cfg.MaxRetries)
	}
	endpoint, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + "/embeddings")
	if err != nil || (endpoint.Scheme != "http" && endpoint.Scheme != "https") || endpoint.Host == "" {
		return nil, errors.New("openai embedder: EMBEDDING_BASE_URL must be an http(s) URL such as http://ollama:11434/v1")
	}
	e := &OpenAIEmbedder{
		client:         &http.Client{},
		endpoint:       endpoint.String(),
		shownEndpoint:  endpoint.Redacted(),
		model:          cfg.Model,
		apiKey:         cfg.APIKey,
		dim:            cfg.Dimensions,
		sendDimensions: cfg.Dimensions > 0,
		batchSize:      cfg.BatchSize,
		timeout:        cfg.Timeout,
		maxRetries:     cfg.MaxRetries,
	}
	if e.dim == 0 {
		vs, err := e.request(ctx, []string{"dimension probe"})
		if err != nil {
			return nil, fmt.Errorf("openai embedder: learn the dimension of model %q (set EMBEDDING_DIMENSIONS to skip this): %w", e.model, err)
		}
		e.dim = len(vs[0])
		if e.dim == 0 {
			return nil, fmt.Errorf("openai embedder: model %q returned an empty embedding", e.model)
		}
	}
	return e, nil
}

// Name is "openai:<model>".
func (e *OpenAIEmbedder) Name() string { return ProviderOpenAI + ":" + e.model }

// Dimension is the vector size.
func (e *OpenAIEmbedder) Dimension() int { return e.dim }

// Embed embeds texts in batches of the configured size.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.batchSize {
		batch := texts[start:min(start+e.batchSize, len(texts))]
		vs, err := e.request(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("embed with %s at %s: %w", e.Name(), e.shownEndpoint, err)
		}
		for i, v := range vs {
			if len(v) != e.dim {
				return nil, fmt.Errorf("embed with %s: the endpoint returned a %d-dimensional vector for input %d, expected %d (EMBEDDING_DIMENSIONS or the model is wrong): %w",
					e.Name(), len(v), start+i, e.dim, ErrDimensionMismatch)
			}
		}
		out = append(out, vs...)
	}
	return out, nil
}

type embeddingsRequest struct {
	Model      string   `json:"model"`
	Input      []string `json:"input"`
	Dimensions int      `json:"dimensions,omitempty"`
}

type embeddingsResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

// request embeds one batch, retrying on rate limits, server errors, network
// errors and timeouts with exponential backoff.
func (e *OpenAIEmbedder) request(ctx context.Context, texts []string) ([][]float32, error) {
	req := embeddingsRequest{Model: e.model, Input: texts}
	if e.sendDimensions {
		req.Dimensions = e.dim
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	policy := backoff.NewExponentialBackOff()
	policy.InitialInterval = retryInitialInterval
	return backoff.Retry(ctx, func() ([][]float32, error) {
		return e.attempt(ctx, body, len(texts))
	}, backoff.WithBackOff(policy), backoff.WithMaxTries(uint(e.maxRetries)+1), backoff.WithMaxElapsedTime(0))
}

// attempt makes one HTTP request. Errors that retrying cannot fix are
// wrapped in backoff.Permanent.
func (e *OpenAIEmbedder) attempt(ctx context.Context, body []byte, n int) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, e.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, backoff.Permanent(fmt.Errorf("build request: %w", err))
	}
	httpReq.Header.Set("Content-Type", "application/json")
	if e.apiKey != "" {
		httpReq.Header.Set("Authorization", "Bearer "+string(e.apiKey))
	}
	resp, err := e.client.Do(httpReq)
	if err != nil {
		return nil, fmt.Errorf("request failed (timeout %v): %w", e.timeout, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		statusErr := fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(snippet))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			if wait, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
				return nil, errors.Join(statusErr, &backoff.RetryAfterError{Duration: wait})
			}
			return nil, statusErr
		}
		return nil, backoff.Permanent(statusErr)
	}

	var parsed embeddingsResponse
	if err := json.NewDecoder(resp.Body).Decode(&parsed); err != nil {
		if ctx.Err() != nil { // the body was cut off by the timeout: worth another try
			return nil, fmt.Errorf("read response (timeout %v): %w", e.timeout, err)
		}
		return nil, backoff.Permanent(fmt.Errorf("decode response: %w", err))
	}
	if len(parsed.Data) != n {
		return nil, backoff.Permanent(fmt.Errorf("the endpoint returned %d embeddings for %d inputs", len(parsed.Data), n))
	}
	out := make([][]float32, n)
	for _, d := range parsed.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, backoff.Permanent(fmt.Errorf("the endpoint returned an invalid or repeated index %d", d.Index))
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// retryAfter parses a Retry-After header given in seconds.
func retryAfter(h string) (time.Duration, bool) {
	secs, err := strconv.Atoi(h)
	if err != nil || secs < 0 {
		return 0, false
	}
	return min(time.Duration(secs)*time.Second, maxRetryAfter), true
}

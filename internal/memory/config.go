package memory

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/secret"
)

// Embedding providers.
const (
	ProviderBuiltin = "builtin"
	ProviderOpenAI  = "openai"
)

// Defaults of the configuration.
const (
	DefaultBuiltinDimension = 256
	DefaultOpenAIBaseURL    = "https://api.openai.com/v1"
	DefaultEmbeddingBatch   = 64
	DefaultEmbeddingTimeout = 30 * time.Second
	DefaultEmbeddingRetries = 4
	DefaultQdrantCollection = "charsim_memories"
	// DefaultQdrantTimeout bounds a search or a write of up to 256 points,
	// which a healthy Qdrant answers in milliseconds.
	DefaultQdrantTimeout = 10 * time.Second
	// qdrantSetupFactor: creating, indexing or deleting a collection may
	// take this many timeouts.
	qdrantSetupFactor        = 6
	defaultQdrantGRPCPort    = 6334
	maxEmbeddingDimension    = 65536
	maxEmbeddingBatch        = 2048
	maxEmbeddingRetriesLimit = 20
)

// Config is the memory configuration read from the environment.
type Config struct {
	Embedding EmbeddingConfig
	Qdrant    QdrantConfig
	Weights   Weights
	Fusion    Fusion
}

// EmbeddingConfig selects and configures the embedder.
type EmbeddingConfig struct {
	// Provider is ProviderBuiltin or ProviderOpenAI.
	Provider string
	// BaseURL of an OpenAI-compatible API, e.g. http://ollama:11434/v1.
	BaseURL string
	Model   string
	// Dimensions is the vector size. For the OpenAI provider 0 means "learn it
	// from the endpoint at start"; when set it is sent as `dimensions`.
	Dimensions int
	APIKey     secret.Value
	// BatchSize is the number of texts per embeddings request.
	BatchSize int
	// Timeout bounds each HTTP request.
	Timeout time.Duration
	// MaxRetries is the number of retries after a failed request (429, 5xx,
	// network error or timeout).
	MaxRetries int
}

// QdrantConfig addresses a Qdrant server over gRPC. Host empty means "use the
// embedded vector store".
type QdrantConfig struct {
	// Host is a name or an IP address, IPv6 without brackets.
	Host       string
	Port       int
	UseTLS     bool
	APIKey     secret.Value
	Collection string
	// Timeout bounds each Qdrant call (QDRANT_TIMEOUT); creating, indexing or
	// deleting a collection may take qdrantSetupFactor times as long.
	Timeout time.Duration
}

// Addr is host:port, with an IPv6 host in brackets.
func (q QdrantConfig) Addr() string { return net.JoinHostPort(q.Host, strconv.Itoa(q.Port)) }

// Enabled reports whether a Qdrant server was configured.
func (q QdrantConfig) Enabled() bool { return q.Host != "" }

// ConfigFromEnv reads the configuration from the process environment.
func ConfigFromEnv() (Config, error) { return LoadConfig(os.LookupEnv) }

// LoadConfig reads the configuration through lookup (os.LookupEnv in
// production). Every invalid variable is reported, each by name.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	r := envReader{lookup: lookup}
	cfg := Config{
		Embedding: r.embedding(),
		Qdrant:    r.qdrant(),
		Weights:   r.weights(),
	}
	cfg.Fusion = r.fusion(DefaultFusionFor(cfg.Embedding.Provider))
	if err := cfg.Weights.Validate(); err != nil {
		r.errs = append(r.errs, err)
	}
	if err := cfg.Fusion.Validate(); err != nil {
		r.errs = append(r.errs, err)
	}
	if err := errors.Join(r.errs...); err != nil {
		return Config{}, fmt.Errorf("memory configuration: %w", err)
	}
	return cfg, nil
}

// envReader parses variables and collects one error per invalid variable.
type envReader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (r *envReader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

func (r *envReader) str(name, def string) string {
	if v, ok := r.lookup(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *envReader) integer(name string, def, lo, hi int) int {
	raw := r.str(name, "")
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		r.fail(name, "must be an integer between %d and %d, got %q", lo, hi, raw)
		return def
	}
	return n
}

func (r *envReader) duration(name string, def time.Duration) time.Duration {
	raw := r.str(name, "")
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		r.fail(name, "must be a positive Go duration such as 30s or 168h, got %q", raw)
		return def
	}
	return d
}

func (r *envReader) weight(name string, def float64) float64 {
	raw := r.str(name, "")
	if raw == "" {
		return def
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		r.fail(name, "must be a non-negative number, got %q", raw)
		return def
	}
	return f
}

// credential reads NAME or the file named by NAME_FILE (see secret.FromEnv).
func (r *envReader) credential(name string) secret.Value {
	v, err := secret.FromEnv(name, r.lookup)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	return v
}

func (r *envReader) embedding() EmbeddingConfig {
	c := EmbeddingConfig{
		Provider:   strings.ToLower(r.str("EMBEDDING_PROVIDER", ProviderBuiltin)),
		Model:      r.str("EMBEDDING_MODEL", ""),
		APIKey:     r.credential("EMBEDDING_API_KEY"),
		BatchSize:  r.integer("EMBEDDING_BATCH_SIZE", DefaultEmbeddingBatch, 1, maxEmbeddingBatch),
		Timeout:    r.duration("EMBEDDING_TIMEOUT", DefaultEmbeddingTimeout),
		MaxRetries: r.integer("EMBEDDING_MAX_RETRIES", DefaultEmbeddingRetries, 0, maxEmbeddingRetriesLimit),
	}
	switch c.Provider {
	case ProviderBuiltin:
		c.Dimensions = r.integer("EMBEDDING_DIMENSIONS", DefaultBuiltinDimension, 1, maxEmbeddingDimension)
	case ProviderOpenAI:
		c.Dimensions = r.integer("EMBEDDING_DIMENSIONS", 0, 1, maxEmbeddingDimension)
		c.BaseURL = strings.TrimRight(r.str("EMBEDDING_BASE_URL", DefaultOpenAIBaseURL), "/")
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.fail("EMBEDDING_BASE_URL", "must be an http(s) URL such as http://ollama:11434/v1, got %q", c.BaseURL)
		}
		if c.Model == "" {
			r.fail("EMBEDDING_MODEL", "is required when EMBEDDING_PROVIDER=openai")
		}
	default:
		r.fail("EMBEDDING_PROVIDER", "must be %q or %q, got %q", ProviderBuiltin, ProviderOpenAI, c.Provider)
	}
	return c
}

func (r *envReader) qdrant() QdrantConfig {
	c := QdrantConfig{
		Collection: r.str("QDRANT_COLLECTION", DefaultQdrantCollection),
		APIKey:     r.credential("QDRANT_API_KEY"),
		Timeout:    r.duration("QDRANT_TIMEOUT", DefaultQdrantTimeout),
	}
	raw := r.str("QDRANT_URL", "")
	if raw == "" {
		return c
	}
	host, port, useTLS, err := parseQdrantURL(raw)
	if err != nil {
		r.fail("QDRANT_URL", "%v", err)
		return c
	}
	c.Host, c.Port, c.UseTLS = host, port, useTLS
	return c
}

// parseQdrantURL accepts http://host:port, https://host:port, host:port and
// host; the port defaults to Qdrant's gRPC port 6334.
func parseQdrantURL(raw string) (host string, port int, useTLS bool, err error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, false, fmt.Errorf("must be a URL such as http://qdrant:6334: %v", err)
	}
	switch u.Scheme {
	case "http":
	case "https":
		useTLS = true
	default:
		return "", 0, false, fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return "", 0, false, fmt.Errorf("must not have a path (the gRPC API has none), got %q", u.Path)
	}
	host = u.Hostname()
	if host == "" {
		return "", 0, false, errors.New("must name a host, e.g. http://qdrant:6334")
	}
	port = defaultQdrantGRPCPort
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return "", 0, false, fmt.Errorf("port must be 1..65535, got %q", p)
		}
	}
	return host, port, useTLS, nil
}

func (r *envReader) weights() Weights {
	return Weights{
		Relevance:     r.weight("RECALL_WEIGHT_RELEVANCE", DefaultWeights.Relevance),
		Recency:       r.weight("RECALL_WEIGHT_RECENCY", DefaultWeights.Recency),
		Importance:    r.weight("RECALL_WEIGHT_IMPORTANCE", DefaultWeights.Importance),
		HalfLife:      r.duration("RECALL_HALF_LIFE", DefaultWeights.HalfLife),
		AccessRefresh: r.weight("RECALL_ACCESS_REFRESH", DefaultWeights.AccessRefresh),
	}
}

// fusion reads the fusion settings; unset ones keep def's, the default for
// the embedder.
func (r *envReader) fusion(def Fusion) Fusion {
	mode := strings.ToLower(r.str("RECALL_FUSION", def.Mode))
	if mode == "off" {
		mode = FusionVector
	}
	return Fusion{
		Mode:          mode,
		K:             r.weight("RECALL_FUSION_K", def.K),
		LexicalWeight: r.weight("RECALL_FUSION_LEXICAL_WEIGHT", def.LexicalWeight),
		VectorWeight:  r.weight("RECALL_FUSION_VECTOR_WEIGHT", def.VectorWeight),
		DateWeight:    r.weight("RECALL_FUSION_DATE_WEIGHT", def.DateWeight),
	}
}

package memory_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/memory"
)

func load(env map[string]string) (memory.Config, error) {
	return memory.LoadConfig(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Embedding.Provider != "builtin" || cfg.Embedding.Dimensions != 256 {
		t.Errorf("embedding = %+v, want builtin with 256 dimensions", cfg.Embedding)
	}
	if cfg.Qdrant.Enabled() || cfg.Qdrant.Collection != "charsim_memories" {
		t.Errorf("qdrant = %+v, want disabled with collection charsim_memories", cfg.Qdrant)
	}
	if cfg.Weights != memory.DefaultWeights {
		t.Errorf("weights = %+v, want %+v", cfg.Weights, memory.DefaultWeights)
	}
	if cfg.Fusion != memory.DefaultFusion {
		t.Errorf("fusion = %+v, want %+v (the builtin embedder's)", cfg.Fusion, memory.DefaultFusion)
	}
	// An embedding model gets RRF by default; a variable set overrides one field.
	cfg, err = load(map[string]string{"EMBEDDING_PROVIDER": "openai", "EMBEDDING_MODEL": "m", "RECALL_FUSION_K": "20"})
	if err != nil {
		t.Fatal(err)
	}
	want := memory.ModelFusion
	want.K = 20
	if cfg.Fusion != want {
		t.Errorf("fusion with a model = %+v, want %+v", cfg.Fusion, want)
	}
}

func TestLoadConfigFull(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(map[string]string{
		"EMBEDDING_PROVIDER":           "openai",
		"EMBEDDING_BASE_URL":           "http://ollama:11434/v1/",
		"EMBEDDING_MODEL":              "nomic-embed-text",
		"EMBEDDING_DIMENSIONS":         "768",
		"EMBEDDING_API_KEY_FILE":       keyFile,
		"EMBEDDING_BATCH_SIZE":         "16",
		"EMBEDDING_TIMEOUT":            "5s",
		"EMBEDDING_MAX_RETRIES":        "0",
		"QDRANT_URL":                   "https://qdrant.example.com:7334",
		"QDRANT_API_KEY":               "qdrant-secret",
		"QDRANT_COLLECTION":            "mine",
		"QDRANT_TIMEOUT":               "3s",
		"RECALL_WEIGHT_RELEVANCE":      "2",
		"RECALL_WEIGHT_RECENCY":        "0.5",
		"RECALL_WEIGHT_IMPORTANCE":     "0",
		"RECALL_HALF_LIFE":             "24h",
		"RECALL_ACCESS_REFRESH":        "0.1",
		"RECALL_FUSION":                "Weighted",
		"RECALL_FUSION_K":              "10",
		"RECALL_FUSION_LEXICAL_WEIGHT": "0.7",
		"RECALL_FUSION_VECTOR_WEIGHT":  "0.3",
		"RECALL_FUSION_DATE_WEIGHT":    "0.25",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := memory.Config{
		Embedding: memory.EmbeddingConfig{
			Provider: "openai", BaseURL: "http://ollama:11434/v1", Model: "nomic-embed-text", Dimensions: 768,
			APIKey: "file-secret", BatchSize: 16, Timeout: 5 * time.Second, MaxRetries: 0,
		},
		Qdrant:  memory.QdrantConfig{Host: "qdrant.example.com", Port: 7334, UseTLS: true, APIKey: "qdrant-secret", Collection: "mine", Timeout: 3 * time.Second},
		Weights: memory.Weights{Relevance: 2, Recency: 0.5, Importance: 0, HalfLife: 24 * time.Hour, AccessRefresh: 0.1},
		Fusion:  memory.Fusion{Mode: memory.FusionWeighted, K: 10, LexicalWeight: 0.7, VectorWeight: 0.3, DateWeight: 0.25},
	}
	if cfg != want {
		t.Fatalf("config =\n%#v\nwant\n%#v", cfg, want)
	}
	// Printing or encoding the configuration must not reveal the secrets.
	printed, _ := json.Marshal(cfg)
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), string(printed)} {
		if strings.Contains(s, "file-secret") || strings.Contains(s, "qdrant-secret") {
			t.Fatalf("a secret leaked into %s", s)
		}
	}
}

func TestLoadConfigQdrantURLForms(t *testing.T) {
	for raw, want := range map[string]struct {
		cfg  memory.QdrantConfig
		addr string
	}{
		"http://qdrant:6334": {memory.QdrantConfig{Host: "qdrant", Port: 6334}, "qdrant:6334"},
		"qdrant:6334":        {memory.QdrantConfig{Host: "qdrant", Port: 6334}, "qdrant:6334"},
		"qdrant":             {memory.QdrantConfig{Host: "qdrant", Port: 6334}, "qdrant:6334"},
		"http://10.0.0.7/":   {memory.QdrantConfig{Host: "10.0.0.7", Port: 6334}, "10.0.0.7:6334"},
		"https://[::1]:9000": {memory.QdrantConfig{Host: "::1", Port: 9000, UseTLS: true}, "[::1]:9000"},
		"[fd00::7]":          {memory.QdrantConfig{Host: "fd00::7", Port: 6334}, "[fd00::7]:6334"},
	} {
		cfg, err := load(map[string]string{"QDRANT_URL": raw})
		if err != nil {
			t.Errorf("QDRANT_URL=%s: %v", raw, err)
			continue
		}
		want.cfg.Collection = memory.DefaultQdrantCollection
		want.cfg.Timeout = memory.DefaultQdrantTimeout
		if cfg.Qdrant != want.cfg {
			t.Errorf("QDRANT_URL=%s: %+v, want %+v", raw, cfg.Qdrant, want.cfg)
		}
		if got := cfg.Qdrant.Addr(); got != want.addr {
			t.Errorf("QDRANT_URL=%s: Addr() = %s, want %s", raw, got, want.addr)
		}
	}
}

func TestLoadConfigNamesInvalidVariables(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"EMBEDDING_PROVIDER": "word2vec"}, "EMBEDDING_PROVIDER"},
		{map[string]string{"EMBEDDING_DIMENSIONS": "many"}, "EMBEDDING_DIMENSIONS"},
		{map[string]string{"EMBEDDING_DIMENSIONS": "0"}, "EMBEDDING_DIMENSIONS"},
		{map[string]string{"EMBEDDING_PROVIDER": "openai"}, "EMBEDDING_MODEL"},
		{map[string]string{"EMBEDDING_PROVIDER": "openai", "EMBEDDING_MODEL": "m", "EMBEDDING_BASE_URL": "ollama:11434"}, "EMBEDDING_BASE_URL"},
		{map[string]string{"EMBEDDING_API_KEY": "a", "EMBEDDING_API_KEY_FILE": "/x"}, "EMBEDDING_API_KEY"},
		{map[string]string{"EMBEDDING_API_KEY_FILE": filepath.Join(dir, "missing")}, "EMBEDDING_API_KEY_FILE"},
		{map[string]string{"EMBEDDING_BATCH_SIZE": "0"}, "EMBEDDING_BATCH_SIZE"},
		{map[string]string{"EMBEDDING_TIMEOUT": "30"}, "EMBEDDING_TIMEOUT"},
		{map[string]string{"EMBEDDING_MAX_RETRIES": "-1"}, "EMBEDDING_MAX_RETRIES"},
		{map[string]string{"QDRANT_URL": "ftp://qdrant:6334"}, "QDRANT_URL"},
		{map[string]string{"QDRANT_URL": "http://qdrant:70000"}, "QDRANT_URL"},
		{map[string]string{"QDRANT_URL": "http://qdrant:6334/collections"}, "QDRANT_URL"},
		{map[string]string{"QDRANT_URL": "http://:6334"}, "QDRANT_URL"},
		{map[string]string{"QDRANT_TIMEOUT": "10"}, "QDRANT_TIMEOUT"},
		{map[string]string{"QDRANT_API_KEY_FILE": filepath.Join(dir, "missing")}, "QDRANT_API_KEY_FILE"},
		{map[string]string{"RECALL_WEIGHT_RELEVANCE": "-1"}, "RECALL_WEIGHT_RELEVANCE"},
		{map[string]string{"RECALL_WEIGHT_RECENCY": "NaN"}, "RECALL_WEIGHT_RECENCY"},
		{map[string]string{"RECALL_WEIGHT_IMPORTANCE": "high"}, "RECALL_WEIGHT_IMPORTANCE"},
		{map[string]string{"RECALL_WEIGHT_RELEVANCE": "0", "RECALL_WEIGHT_RECENCY": "0", "RECALL_WEIGHT_IMPORTANCE": "0"}, "at least one must be positive"},
		{map[string]string{"RECALL_HALF_LIFE": "-5h"}, "RECALL_HALF_LIFE"},
		{map[string]string{"RECALL_HALF_LIFE": "a week"}, "RECALL_HALF_LIFE"},
		{map[string]string{"RECALL_FUSION": "borda"}, "RECALL_FUSION"},
		{map[string]string{"RECALL_FUSION_K": "-1"}, "RECALL_FUSION_K"},
		{map[string]string{"RECALL_FUSION_K": "sixty"}, "RECALL_FUSION_K"},
		{map[string]string{"RECALL_FUSION_LEXICAL_WEIGHT": "-0.5"}, "RECALL_FUSION_LEXICAL_WEIGHT"},
		{map[string]string{"RECALL_FUSION_VECTOR_WEIGHT": "Inf"}, "RECALL_FUSION_VECTOR_WEIGHT"},
		{map[string]string{"RECALL_FUSION_DATE_WEIGHT": "1.5"}, "RECALL_FUSION_DATE_WEIGHT"},
		{map[string]string{"RECALL_FUSION_LEXICAL_WEIGHT": "0", "RECALL_FUSION_VECTOR_WEIGHT": "0"}, "RECALL_FUSION_LEXICAL_WEIGHT"},
		{map[string]string{"RECALL_ACCESS_REFRESH": "1.5"}, "RECALL_ACCESS_REFRESH"},
	} {
		_, err := load(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("env %v: err = %v, want an error naming %s", tc.env, err, tc.name)
		}
	}
	// All problems are reported at once.
	_, err := load(map[string]string{"EMBEDDING_BATCH_SIZE": "x", "RECALL_HALF_LIFE": "y"})
	if err == nil || !strings.Contains(err.Error(), "EMBEDDING_BATCH_SIZE") || !strings.Contains(err.Error(), "RECALL_HALF_LIFE") {
		t.Errorf("two invalid variables: err = %v, want both named", err)
	}
}

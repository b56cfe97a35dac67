package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// embeddingsServer is a local OpenAI-compatible embeddings endpoint,
// POST /v1/embeddings, answering with denseVector of every input. It also
// records how long it takes to answer (from the request's arrival to its
// answer encoded), to tell its share of a recall's latency.
type embeddingsServer struct {
	srv     *http.Server
	baseURL string // http://127.0.0.1:PORT/v1
	mu      sync.Mutex
	handled []time.Duration
}

type embeddingsInput struct {
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"` // a string or a list of strings
	Dimensions int             `json:"dimensions,omitempty"`
}

type embeddingsOutput struct {
	Object string           `json:"object"`
	Model  string           `json:"model"`
	Data   []embeddingDatum `json:"data"`
	Usage  map[string]int   `json:"usage"`
}

type embeddingDatum struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// startEmbeddingsServer listens on a free loopback port.
func startEmbeddingsServer() (*embeddingsServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the embeddings endpoint: %w", err)
	}
	e := &embeddingsServer{baseURL: "http://" + l.Addr().String() + "/v1"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", e.embeddings)
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(l) }() // ErrServerClosed after close
	return e, nil
}

func (e *embeddingsServer) close() { _ = e.srv.Close() }

// takeDurations returns the handling times recorded since the last call.
func (e *embeddingsServer) takeDurations() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.handled
	e.handled = nil
	return out
}

func (e *embeddingsServer) embeddings(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var in embeddingsInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, "decode the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	texts, err := inputTexts(in.Input)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if in.Dimensions != 0 && in.Dimensions != denseDim {
		http.Error(w, fmt.Sprintf("this endpoint gives %d dimensions, not %d", denseDim, in.Dimensions), http.StatusBadRequest)
		return
	}
	out := embeddingsOutput{Object: "list", Model: in.Model, Data: make([]embeddingDatum, len(texts)),
		Usage: map[string]int{"prompt_tokens": 0, "total_tokens": 0}}
	for i, t := range texts {
		out.Data[i] = embeddingDatum{Object: "embedding", Index: i, Embedding: denseVector(t)}
	}
	var body bytes.Buffer
	if err := json.NewEncoder(&body).Encode(out); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// Recorded before the answer is sent, so that a caller who has it
	// finds it recorded.
	e.mu.Lock()
	e.handled = append(e.handled, time.Since(start))
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = body.WriteTo(w) // the client went away; nothing to do
}

// inputTexts reads the input field: one string or a list of them.
func inputTexts(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, errors.New("input must be a string or a non-empty list of strings")
	}
	return many, nil
}

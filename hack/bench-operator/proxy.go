package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// Write categories: what a write request changes.
const (
	categoryChildren = "children" // any object other than the two below
	categoryStatus   = "status"   // a status subresource
	categoryEvents   = "events"   // Events (core or events.k8s.io)
)

// writeCounts are write requests by category, and how many of them failed.
type writeCounts struct {
	byCategory map[string]int
	failed     int
	// byRequest counts "METHOD resource[/subresource]", for the diagnosis of
	// where writes come from.
	byRequest map[string]int
}

func (w writeCounts) total() int {
	n := 0
	for _, c := range w.byCategory {
		n += c
	}
	return n
}

// countingProxy is a reverse proxy on 127.0.0.1 in front of the API server
// that counts the write requests passing through it. Whoever talks to it
// needs no credentials: it forwards as the identity of its rest.Config.
type countingProxy struct {
	server   *http.Server
	listener net.Listener

	mu     sync.Mutex
	counts writeCounts
}

func startCountingProxy(upstream *rest.Config) (*countingProxy, error) {
	target, err := url.Parse(upstream.Host)
	if err != nil {
		return nil, fmt.Errorf("parse the API server address: %w", err)
	}
	transport, err := rest.TransportFor(upstream)
	if err != nil {
		return nil, fmt.Errorf("proxy transport: %w", err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listener: %w", err)
	}
	p := &countingProxy{listener: listener}
	p.reset()
	// Writes are counted before their response reaches the client, so a
	// client that has its answer always finds its write counted.
	forward := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: transport,
		// Watches stream: pass every event on at once.
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			if isWrite(resp.Request.Method) {
				p.record(resp.Request.Method, resp.Request.URL.Path, resp.StatusCode)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if isWrite(r.Method) {
				p.record(r.Method, r.URL.Path, http.StatusBadGateway)
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	p.server = &http.Server{Handler: forward}
	go func() { _ = p.server.Serve(listener) }()
	return p, nil
}

// URL is where clients reach the proxy.
func (p *countingProxy) URL() string { return "http://" + p.listener.Addr().String() }

func (p *countingProxy) Close() error { return p.server.Close() }

func (p *countingProxy) record(method, path string, code int) {
	category, resource := classify(path)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts.byCategory[category]++
	p.counts.byRequest[method+" "+resource]++
	if code >= 400 {
		p.counts.failed++
	}
}

// take returns the counts so far and starts counting from zero.
func (p *countingProxy) take() writeCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.counts
	p.counts = writeCounts{byCategory: map[string]int{}, byRequest: map[string]int{}}
	return out
}

func (p *countingProxy) reset() { p.take() }

// writes is the number of write requests so far.
func (p *countingProxy) writes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts.total()
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// classify names the write category and the resource (with subresource) of
// an API path: /api/v1/namespaces/NS/RESOURCE/NAME/SUB or
// /apis/GROUP/VERSION/namespaces/NS/RESOURCE/NAME/SUB (namespace optional).
func classify(path string) (category, resource string) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	var rest []string
	switch {
	case len(segments) >= 2 && segments[0] == "api":
		rest = segments[2:]
	case len(segments) >= 3 && segments[0] == "apis":
		rest = segments[3:]
	default:
		return categoryChildren, path
	}
	if len(rest) >= 3 && rest[0] == "namespaces" {
		rest = rest[2:]
	}
	if len(rest) == 0 {
		return categoryChildren, path
	}
	resource = rest[0]
	if len(rest) >= 3 {
		resource += "/" + rest[2]
	}
	switch {
	case resource == "events":
		return categoryEvents, resource
	case len(rest) >= 3 && rest[2] == "status":
		return categoryStatus, resource
	}
	return categoryChildren, resource
}

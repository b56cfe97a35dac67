package healthcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	cases := map[string]string{
		":8000":          "http://127.0.0.1:8000/readyz",
		"0.0.0.0:8000":   "http://127.0.0.1:8000/readyz",
		"[::]:8000":      "http://127.0.0.1:8000/readyz",
		"10.1.2.3:9000":  "http://10.1.2.3:9000/readyz",
		"localhost:8080": "http://localhost:8080/readyz",
	}
	for addr, want := range cases {
		got, err := URL(addr, "/readyz")
		if err != nil || got != want {
			t.Errorf("URL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := URL("8000", "/readyz"); err == nil {
		t.Error("an address without a port must be an error")
	}
}

func TestProbe(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !ready {
			http.Error(w, `{"postgres":"connection refused"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()

	if err := Probe(context.Background(), srv.URL); err != nil {
		t.Fatalf("ready server: %v", err)
	}
	ready = false
	err := Probe(context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "postgres") {
		t.Fatalf("unready server: want 503 with the reason, got %v", err)
	}
	srv.Close()
	if err := Probe(context.Background(), srv.URL); err == nil {
		t.Fatal("a closed port must fail the probe")
	}
}

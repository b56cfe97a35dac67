package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if !slices.Equal(o.sizes, []int{100, 500}) || o.steady != 60*time.Second {
		t.Errorf("defaults = %+v, want N 100,500 and 60s of steady state", o)
	}
	o, err = parseFlags([]string{"-n", "20, 40", "-steady", "10s"}, io.Discard)
	if err != nil || !slices.Equal(o.sizes, []int{20, 40}) || o.steady != 10*time.Second {
		t.Errorf("-n 20,40 -steady 10s = %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-n", "0"}, {"-n", "ten"}, {"-n", "5,"}, {"-steady", "0s"}, {"-quiet", "-1s"}, {"-timeout", "0s"}, {"-dir", ""}, {"extra"},
	} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h = %v, want flag.ErrHelp", err)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		path, category, resource string
	}{
		{"/apis/apps/v1/namespaces/bench/statefulsets/sim-0001-postgres", categoryChildren, "statefulsets"},
		{"/api/v1/namespaces/bench/secrets", categoryChildren, "secrets"},
		{"/apis/charsim.mojin.dev/v1alpha1/namespaces/bench/charactersimulations/sim-0001/status", categoryStatus, "charactersimulations/status"},
		{"/apis/events.k8s.io/v1/namespaces/bench/events", categoryEvents, "events"},
		{"/api/v1/namespaces/bench/events/x", categoryEvents, "events"},
		{"/api/v1/namespaces", categoryChildren, "namespaces"},
		{"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/charsim.mojin.dev", categoryChildren, "leases"},
	}
	for _, tc := range cases {
		category, resource := classify(tc.path)
		if category != tc.category || resource != tc.resource {
			t.Errorf("classify(%s) = %s, %s; want %s, %s", tc.path, category, resource, tc.category, tc.resource)
		}
	}
}

// TestProxyCountsWritesOnly drives the proxy with a real HTTP server behind
// it: reads pass uncounted, writes are counted by category, failures too.
func TestProxyCountsWritesOnly(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/conflict") {
			w.WriteHeader(http.StatusConflict)
			return
		}
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path)
	}))
	defer upstream.Close()
	p, err := startCountingProxy(&rest.Config{Host: upstream.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	send := func(method, path string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, p.URL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	if got := send(http.MethodGet, "/api/v1/namespaces/bench/secrets"); got != "GET /api/v1/namespaces/bench/secrets" {
		t.Errorf("the proxy answered %q", got)
	}
	send(http.MethodPatch, "/apis/apps/v1/namespaces/bench/deployments/d")
	send(http.MethodPost, "/api/v1/namespaces/bench/secrets")
	send(http.MethodPut, "/apis/charsim.mojin.dev/v1alpha1/namespaces/bench/charactersimulations/s/status")
	send(http.MethodPost, "/apis/events.k8s.io/v1/namespaces/bench/events")
	send(http.MethodDelete, "/api/v1/namespaces/bench/services/conflict")
	if n := p.writes(); n != 5 {
		t.Errorf("writes = %d, want 5", n)
	}
	got := p.take()
	want := map[string]int{categoryChildren: 3, categoryStatus: 1, categoryEvents: 1}
	for category, n := range want {
		if got.byCategory[category] != n {
			t.Errorf("%s writes = %d, want %d (all: %v)", category, got.byCategory[category], n, got.byCategory)
		}
	}
	if got.failed != 1 || got.byRequest["PATCH deployments"] != 1 {
		t.Errorf("failed = %d, by request = %v", got.failed, got.byRequest)
	}
	if p.writes() != 0 {
		t.Error("take did not start counting from zero")
	}
}

func TestVerdicts(t *testing.T) {
	good := figures{n: 500, managerSeconds: 12, baselineSeconds: 10, steadyUsage: usage{peakRSS: 100 * mib}}
	for _, v := range good.verdicts() {
		if strings.Contains(v, "MISSED") {
			t.Errorf("good figures: %s", v)
		}
	}
	bad := good
	bad.managerSeconds = 16
	bad.steady = writeCounts{byCategory: map[string]int{categoryStatus: 1}}
	bad.steadyChanges = changes{children: 2}
	bad.steadyUsage.peakRSS = 151 * mib
	if missed := strings.Count(strings.Join(bad.verdicts(), ";"), "MISSED"); missed != 4 {
		t.Errorf("bad figures: %d targets missed, want 4: %v", missed, bad.verdicts())
	}
	big := bad
	big.n = 1000
	if strings.Contains(strings.Join(big.verdicts(), ";"), "RSS") {
		t.Error("the RSS target applied beyond N=500")
	}
}

func TestReportHasAColumnPerN(t *testing.T) {
	var out bytes.Buffer
	results := []figures{
		{n: 100, childrenPerSim: 24, managerSeconds: 3, baselineSeconds: 2},
		{n: 500, childrenPerSim: 24, managerSeconds: 15, baselineSeconds: 12},
	}
	if err := report(&out, results, "0.50 0.40 0.30"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"N=100", "N=500", "1.50", "1.25", "24 children per simulation", "load average 0.50"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

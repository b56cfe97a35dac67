package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		pct  int
		want time.Duration
	}{{50, 100 * time.Millisecond}, {99, 198 * time.Millisecond}, {100, 200 * time.Millisecond}, {1, 2 * time.Millisecond}} {
		if got := percentile(d, tc.pct); got != tc.want {
			t.Errorf("p%d of 1..200ms = %s, want %s", tc.pct, got, tc.want)
		}
	}
	if got := percentile(d[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one sample = %s", got)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-n", "100000, 10000", "-backends", "postgres"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.sizes, []int{10000, 100000}) || !slices.Equal(o.backends, []string{"postgres"}) {
		t.Errorf("sizes %v backends %v", o.sizes, o.backends)
	}
	_, err = parseFlags([]string{"-n", "10k", "-backends", "mysql", "-ops", "0"}, io.Discard)
	for _, want := range []string{"-n", "-backends", "-ops"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestCorpusIsDeterministicAndVaried(t *testing.T) {
	if memoryText(7) != memoryText(7) || queryText(7) != queryText(7) {
		t.Fatal("the corpus is not deterministic")
	}
	seen := map[string]bool{}
	for i := range 1000 {
		seen[memoryText(i)] = true
	}
	if len(seen) < 990 {
		t.Errorf("only %d distinct texts in 1000", len(seen))
	}
}

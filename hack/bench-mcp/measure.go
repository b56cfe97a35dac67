package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// call makes the i-th tool call of a phase.
type call func(ctx context.Context, s *mcp.ClientSession, i int) error

// phase is one measured workload: ops calls spread over the sessions, each
// session making one call at a time.
type phase struct {
	op        string // "remember", "recall", "store", "search"
	transport string // "http" or "stdio"
	sessions  []*mcp.ClientSession
	ops       int
	call      call
}

// stats are the figures of one phase.
type stats struct {
	op        string
	transport string
	clients   int
	ops       int
	elapsed   time.Duration
	p50, p99  time.Duration
}

func (s stats) perSecond() float64 { return float64(s.ops) / s.elapsed.Seconds() }

// measure runs the phase and returns its throughput and latency percentiles.
func measure(ctx context.Context, p phase) (stats, error) {
	var (
		next      atomic.Int64
		wg        sync.WaitGroup
		latencies = make([][]time.Duration, len(p.sessions))
		errs      = make([]error, len(p.sessions))
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for w, s := range p.sessions {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= p.ops {
					return
				}
				t := time.Now()
				if err := p.call(ctx, s, i); err != nil {
					errs[w] = fmt.Errorf("%s call %d: %w", p.op, i, err)
					cancel() // one failure fails the phase; stop the others
					return
				}
				latencies[w] = append(latencies[w], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return stats{}, err
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	return stats{
		op: p.op, transport: p.transport, clients: len(p.sessions), ops: len(all), elapsed: elapsed,
		p50: percentile(all, 50), p99: percentile(all, 99),
	}, nil
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, pct int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (pct*len(sorted) + 99) / 100 // ceil(pct/100 · n)
	return sorted[max(rank, 1)-1]
}

// callTool calls a tool and turns a tool error into an error.
func callTool(ctx context.Context, s *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, error) {
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, err
	}
	if res.IsError {
		msg, _ := json.Marshal(res.Content)
		return nil, fmt.Errorf("tool %s failed: %s", name, msg)
	}
	return res, nil
}

// listed returns the length of the list field of a tool's structured result.
func listed(res *mcp.CallToolResult, field string) int {
	out, _ := res.StructuredContent.(map[string]any)
	list, _ := out[field].([]any)
	return len(list)
}

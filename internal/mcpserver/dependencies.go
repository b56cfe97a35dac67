package mcpserver

import (
	"context"
	"sync"
	"time"
)

// dependencyTimeout bounds each dependency check, so that a hung database
// makes /readyz answer 503 rather than time out.
const dependencyTimeout = 3 * time.Second

// dependencyStatus is the outcome of one dependency check; Error is empty
// when the dependency answered.
type dependencyStatus struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Optional dependencies (Redis) are reported but do not make the
	// server unready: the tools fall back to the store without them.
	Optional bool   `json:"optional,omitempty"`
	Error    string `json:"error,omitempty"`
}

type dependencyCheck struct {
	name     string
	optional bool
	check    func(context.Context) error
}

// dependencies lists what the server needs: the SQL store, the vector store
// and, when configured, Redis (optional: tools fall back to the store).
func (s *Server) dependencies(withOptional bool) []dependencyCheck {
	deps := []dependencyCheck{
		{name: s.store.Backend(), check: s.store.Ping},
		{name: s.memory.VectorStoreName(), check: s.memory.Ready},
	}
	if withOptional && s.cache != nil {
		deps = append(deps, dependencyCheck{name: "redis", optional: true, check: s.cache.Ping})
	}
	return deps
}

// checkDependencies checks the dependencies concurrently, each with a deadline.
func (s *Server) checkDependencies(ctx context.Context, withOptional bool) []dependencyStatus {
	deps := s.dependencies(withOptional)
	out := make([]dependencyStatus, len(deps))
	var wg sync.WaitGroup
	for i, d := range deps {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, dependencyTimeout)
			defer cancel()
			out[i] = dependencyStatus{Name: d.name, OK: true, Optional: d.optional}
			if err := d.check(ctx); err != nil {
				out[i] = dependencyStatus{Name: d.name, Optional: d.optional, Error: err.Error()}
			}
		})
	}
	wg.Wait()
	return out
}

//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// pollInterval is short: on the local cluster most waits end in well under
// a second.
const pollInterval = 100 * time.Millisecond

// check reports the state it saw (shown when the wait times out) and whether
// the wait is over. An error ends the wait at once; a transient failure
// should come back as state instead.
type check func(ctx context.Context) (state string, done bool, err error)

// poll runs check until it is done, it fails or timeout passes.
func poll(ctx context.Context, timeout time.Duration, what string, c check) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		state, done, err := c(ctx)
		last = state
		return done, err
	})
	if wait.Interrupted(err) {
		return fmt.Errorf("timed out after %s waiting for %s; last seen: %s", timeout, what, last)
	}
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}

// eventually is poll for a test: it fails the test when the wait does not
// end in time, and logs how long it took otherwise.
func eventually(t *testing.T, timeout time.Duration, what string, c check) {
	t.Helper()
	start := time.Now()
	if err := poll(t.Context(), timeout, what, c); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s", what, time.Since(start).Round(time.Millisecond))
}

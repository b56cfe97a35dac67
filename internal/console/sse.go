package console

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/changes"
)

// Timing of the event stream.
const (
	// sseHeartbeat is how often an idle stream sends a comment, so that
	// proxies keep it open and a dead client is noticed.
	sseHeartbeat = 20 * time.Second
	// sseWriteTimeout bounds one write: a client that stops reading is
	// dropped instead of holding a goroutine and a subscription.
	sseWriteTimeout = 10 * time.Second
	// sseCoalesce gathers the notices of a burst (a turn makes several
	// writes) into one event per page.
	sseCoalesce = 250 * time.Millisecond
	// sseRetry is the reconnection delay the browser is told to use.
	sseRetry = 5 * time.Second
)

// Event names of the stream, one per live page.
const (
	sseTimeline = "timeline"
	sseMemories = "memories"
)

// events streams server-sent events from the change feed: "timeline" when
// the story of the channel named by ?channel= changed, "memories" when a
// character (its memories among the rest) changed. The pages refresh their
// lists on them (htmx's SSE extension, see timeline.html and memories.html).
// The stream ends when the client goes, a write times out, or the server
// shuts down (Deps.Done).
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	if c.deps.Changes == nil {
		http.Error(w, "404 not found: this server has no change feed to stream", http.StatusNotFound)
		return
	}
	channel := strings.TrimSpace(r.URL.Query().Get("channel"))
	sub := c.deps.Changes.Subscribe()
	defer sub.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// nginx and the like buffer responses unless told not to.
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(s string) bool {
		// Not every ResponseWriter supports deadlines (ErrNotSupported);
		// the write itself still fails when the client is gone.
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send(fmt.Sprintf("retry: %d\n: connected\n\n", sseRetry.Milliseconds())) {
		return
	}
	heartbeat := time.NewTicker(cmp.Or(c.heartbeat, sseHeartbeat))
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.deps.Done:
			return
		case <-heartbeat.C:
			if !send(": heartbeat\n\n") {
				return
			}
		case first, ok := <-sub.C():
			if !ok {
				return
			}
			names, open := c.gather(r, sub, first, channel)
			for _, name := range names {
				if !send("event: " + name + "\ndata: " + name + "\n\n") {
					return
				}
			}
			if !open {
				return
			}
		}
	}
}

// gather collects the notices that follow first within sseCoalesce and
// returns the events they make, in a stable order, and whether the
// subscription is still open.
func (c *Console) gather(r *http.Request, sub *changes.Subscription, first changes.Change, channel string) ([]string, bool) {
	want := map[string]bool{}
	note := func(ch changes.Change) {
		for _, name := range eventsFor(ch, channel) {
			want[name] = true
		}
	}
	note(first)
	window := time.NewTimer(sseCoalesce)
	defer window.Stop()
	open := true
collect:
	for open {
		select {
		case ch, ok := <-sub.C():
			if !ok {
				open = false
				break collect
			}
			note(ch)
		case <-window.C:
			break collect
		case <-r.Context().Done():
			break collect
		case <-c.deps.Done:
			break collect
		}
	}
	if sub.Lost() {
		// Notices were dropped: anything may have changed.
		want[sseTimeline], want[sseMemories] = channel != "", true
	}
	var out []string
	for _, name := range []string{sseTimeline, sseMemories} {
		if want[name] {
			out = append(out, name)
		}
	}
	return out, open
}

// eventsFor is the events one notice makes for a stream following channel.
func eventsFor(ch changes.Change, channel string) []string {
	switch ch.Kind {
	case changes.Everything:
		if channel != "" {
			return []string{sseTimeline, sseMemories}
		}
		return []string{sseMemories}
	case changes.Character:
		return []string{sseMemories}
	case changes.Timeline:
		if channel != "" && ch.ChannelID == channel {
			return []string{sseTimeline}
		}
	}
	return nil
}

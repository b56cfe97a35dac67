package console

import (
	"bufio"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/changes"
)

func TestEventsFor(t *testing.T) {
	for _, tc := range []struct {
		change  changes.Change
		channel string
		want    []string
	}{
		{changes.Change{Kind: changes.Timeline, ChannelID: "tavern"}, "tavern", []string{sseTimeline}},
		{changes.Change{Kind: changes.Timeline, ChannelID: "market"}, "tavern", nil},
		{changes.Change{Kind: changes.Timeline, ChannelID: "tavern"}, "", nil},
		{changes.Change{Kind: changes.Character, CharacterID: "c1"}, "tavern", []string{sseMemories}},
		{changes.Change{Kind: changes.Everything}, "tavern", []string{sseTimeline, sseMemories}},
		{changes.Change{Kind: changes.Everything}, "", []string{sseMemories}},
	} {
		if got := eventsFor(tc.change, tc.channel); !slices.Equal(got, tc.want) {
			t.Errorf("eventsFor(%+v, %q) = %v, want %v", tc.change, tc.channel, got, tc.want)
		}
	}
}

// A console without a change feed has no stream to offer.
func TestEventsWithoutFeed(t *testing.T) {
	e := newEnv(t, "")
	requireStatus(t, e.browser(t).get("events"), http.StatusNotFound)
}

// An idle stream sends heartbeats, a change of the followed channel makes
// one timeline event however many writes it took, and the stream ends when
// Done is closed.
func TestEventStream(t *testing.T) {
	e := newEnv(t, "")
	feed := changes.NewFeed()
	done := make(chan struct{})
	e.console.deps.Changes, e.console.deps.Done = feed, done
	e.console.heartbeat = 50 * time.Millisecond

	b := e.browser(t)
	b.get("")
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.server.URL+DefaultBasePath+"events?channel=tavern", nil)
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("GET events: %d %v", res.StatusCode, res.Header)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	await := func(want string) {
		t.Helper()
		deadline := time.After(2 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the stream ended before %q", want)
				}
				if l == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %q within 2s", want)
			}
		}
	}
	await(": connected")
	await(": heartbeat")
	for range 3 {
		feed.Publish(changes.Change{Kind: changes.Timeline, ChannelID: "tavern"})
	}
	feed.Publish(changes.Change{Kind: changes.Timeline, ChannelID: "market"})
	await("event: timeline")
	// The burst was one event: the next event line is not another timeline.
	feed.Publish(changes.Change{Kind: changes.Character, CharacterID: "c1"})
	deadline := time.After(2 * time.Second)
	for next := ""; next != "event: memories"; {
		select {
		case next = <-lines:
			if next == "event: timeline" {
				t.Fatal("a burst of writes made two timeline events")
			}
		case <-deadline:
			t.Fatal("no memories event")
		}
	}

	close(done)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return
			}
		case <-time.After(2 * time.Second):
			t.Fatal("the stream is still open after Done was closed")
		}
	}
}

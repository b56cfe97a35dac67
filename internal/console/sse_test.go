package console

import (
	"net/http"
	"slices"
	"testing"

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

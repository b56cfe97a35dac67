// Package changes is the server's change feed: one stream of "this changed"
// notices that drives MCP resource subscriptions and the console's live
// updates. A notice says what changed (a character, a channel's timeline),
// not how: a subscriber reads the current value again. Notices therefore
// coalesce and may repeat, and a subscriber that falls behind loses some
// without harm as long as it is told (Lost) and re-reads everything.
//
// Notices come from two places: Store, a decorator on the SQL store that
// publishes after each successful write of this process, and Follow, which
// reads the store's vector change log for the memory writes of other
// processes (a second replica, charsimctl, a stdio server).
package changes

import (
	"sync"
	"sync/atomic"
)

// Kind is what changed.
type Kind string

const (
	// Character: a character's persona, card, state, relationships or
	// memories. CharacterID is set; it is empty only when a memory of an
	// unknown character changed elsewhere (it was deleted before it could
	// be read), which concerns every character.
	Character Kind = "character"
	// Timeline: a channel's story (events, branches). ChannelID is set.
	Timeline Kind = "timeline"
	// Everything: a bulk write (an import, forgetting a user) that may have
	// touched anything.
	Everything Kind = "everything"
)

// Change is one notice.
type Change struct {
	Kind        Kind   `json:"kind"`
	CharacterID string `json:"character_id,omitempty"`
	ChannelID   string `json:"channel_id,omitempty"`
	// Elsewhere is true when another process made the change.
	Elsewhere bool `json:"elsewhere,omitempty"`
}

// Concerns reports whether a subscriber to a character (characterID) or a
// channel's timeline (channelID) should re-read after c; pass "" for the
// one it does not follow.
func (c Change) Concerns(characterID, channelID string) bool {
	switch c.Kind {
	case Everything:
		return true
	case Character:
		return characterID != "" && (c.CharacterID == "" || c.CharacterID == characterID)
	case Timeline:
		return channelID != "" && c.ChannelID == channelID
	}
	return false
}

// subscriberBuffer is how many notices a subscriber may fall behind before
// it starts losing them.
const subscriberBuffer = 256

// Feed fans notices out to subscribers. The zero value is not usable; use
// NewFeed. A nil *Feed accepts publishes and drops them, so that code with
// no subscribers needs no feed.
type Feed struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// NewFeed returns a feed with no subscribers.
func NewFeed() *Feed {
	return &Feed{subs: make(map[*Subscription]struct{})}
}

// Publish hands c to every subscriber without waiting: a subscriber whose
// buffer is full loses it and is told through Lost.
func (f *Feed) Publish(c Change) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		select {
		case s.c <- c:
		default:
			s.lost.Store(true)
		}
	}
}

// Subscribe starts a subscription; Close ends it.
func (f *Feed) Subscribe() *Subscription {
	s := &Subscription{c: make(chan Change, subscriberBuffer), feed: f}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return s
}

// Subscription receives the notices published after it started.
type Subscription struct {
	c    chan Change
	lost atomic.Bool
	feed *Feed
	once sync.Once
}

// C delivers the notices. It is closed by Close.
func (s *Subscription) C() <-chan Change { return s.c }

// Lost reports, and clears, whether notices were dropped since the last
// call because the subscriber fell behind: it should re-read everything.
func (s *Subscription) Lost() bool { return s.lost.Swap(false) }

// Close ends the subscription and closes C.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.feed.mu.Lock()
		delete(s.feed.subs, s)
		close(s.c)
		s.feed.mu.Unlock()
	})
}

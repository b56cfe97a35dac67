package mcpserver

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/changes"
)

// Resource subscriptions (resources/subscribe): the SDK keeps which session
// follows which URI; this file keeps what each subscribed URI stands for
// (a character's ID, a channel), resolved once at subscribe time, so that a
// notice from the change feed finds every URI to announce, whether the
// client named the character by ID or by name.

// maxSubscribedURIs bounds the URIs followed at once, over every session.
const maxSubscribedURIs = 10000

// subscribedResource is what a subscribed URI follows: a character (by ID,
// or by a name that named no character yet), a channel, or nothing this
// server serves (accepted all the same, as the specification expects, and
// never announced).
type subscribedResource struct {
	characterID, characterName, channelID string
}

type subscriptions struct {
	mu    sync.Mutex
	byURI map[string]subscribedResource
}

func (s *Server) subscribe(ctx context.Context, req *mcp.SubscribeRequest) error {
	uri := req.Params.URI
	target, err := s.subscriptionTarget(ctx, uri)
	if err != nil {
		return err
	}
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if _, ok := s.subs.byURI[uri]; !ok && len(s.subs.byURI) >= maxSubscribedURIs {
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("too many subscribed resources (%d); unsubscribe some first", maxSubscribedURIs)}
	}
	s.subs.byURI[uri] = target
	return nil
}

// unsubscribe keeps the URI's target: another session may still follow it,
// and the SDK, which knows, sends nothing to a URI nobody follows.
func (s *Server) unsubscribe(context.Context, *mcp.UnsubscribeRequest) error { return nil }

// subscriptionTarget resolves a resource URI as resources/read would. Only
// a failing store is an error.
func (s *Server) subscriptionTarget(ctx context.Context, uri string) (subscribedResource, error) {
	for _, scheme := range []string{characterScheme, timelineScheme} {
		if !strings.HasPrefix(uri, scheme) {
			continue
		}
		ref, err := url.PathUnescape(strings.TrimPrefix(uri, scheme))
		if err != nil || strings.TrimSpace(ref) == "" {
			return subscribedResource{}, nil
		}
		if scheme == timelineScheme {
			return subscribedResource{channelID: ref}, nil
		}
		c, err := s.resolveCharacter(ctx, ref)
		if err != nil {
			if _, callerFault := s.explain(ctx, "subscribe "+uri, err); callerFault {
				return subscribedResource{characterName: ref}, nil
			}
			return subscribedResource{}, s.rpcError(ctx, "subscribe "+uri, err)
		}
		return subscribedResource{characterID: c.ID}, nil
	}
	return subscribedResource{}, nil
}

// concerns reports whether change c concerns target; a character known only
// by name is looked up again, since it may exist by now.
func (s *Server) concerns(c changes.Change, target subscribedResource) bool {
	if target.characterName != "" && c.Kind != changes.Timeline {
		if ch, err := s.resolveCharacter(context.Background(), target.characterName); err == nil {
			target.characterID = ch.ID
		}
	}
	return c.Concerns(target.characterID, target.channelID)
}

// announceChanges sends notifications/resources/updated for every
// subscribed URI that a notice concerns, until the feed's subscription ends.
func (s *Server) announceChanges(sub *changes.Subscription) {
	for c := range sub.C() {
		all := sub.Lost() // notices were dropped: announce every URI
		s.subs.mu.Lock()
		targets := maps.Clone(s.subs.byURI)
		s.subs.mu.Unlock()
		var uris []string
		for uri, target := range targets {
			if all || s.concerns(c, target) {
				uris = append(uris, uri)
			}
		}
		for _, uri := range uris {
			// ResourceUpdated only fails to encode; a gone session is skipped.
			_ = s.mcp.ResourceUpdated(context.Background(), &mcp.ResourceUpdatedNotificationParams{URI: uri})
		}
	}
}

package bot

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// conversation plays roleplay turns: the context from the MCP server, a
// reply from the responder, then the bookkeeping that lets the character
// remember the turn.
type conversation struct {
	mcp       *mcpClient
	responder responder
}

// turnRequest is a user's message to a character in a channel.
type turnRequest struct {
	Character string // ID or name
	ChannelID string
	UserID    string
	UserName  string
	Message   string
}

// turnResult is the reply and what the turn changed.
type turnResult struct {
	Character  string // name
	Reply      string
	Offline    bool
	Remembered []salientFact
	Shift      relationshipShift
	Events     []storyEvent
}

// take plays one turn. The turn is recorded before it returns, so a reply
// the user sees is always in the conversation log: a failure anywhere
// fails the turn, and the user may simply try again.
func (c *conversation) take(ctx context.Context, req turnRequest) (turnResult, error) {
	rc, err := c.mcp.getContext(ctx, contextRequest{
		Character: req.Character, Channel: req.ChannelID, User: req.UserID, UserName: req.UserName, Message: req.Message,
	})
	if err != nil {
		return turnResult{}, fmt.Errorf("get the roleplay context: %w", err)
	}
	reply, err := c.responder.respond(ctx, prompt{Context: rc, UserID: req.UserID, UserName: req.UserName, Message: req.Message})
	if err != nil {
		return turnResult{}, fmt.Errorf("write the reply of %s: %w", rc.Character.Name, err)
	}
	res := turnResult{Character: rc.Character.Name, Reply: reply, Offline: c.responder.offline()}
	if err := c.record(ctx, req, rc, &res); err != nil {
		return turnResult{}, fmt.Errorf("record the turn: %w", err)
	}
	return res, nil
}

// record logs both messages, remembers the salient facts, and updates the
// relationship and the timeline as the heuristics (salience.go,
// sentiment.go, story.go) say. The four are independent and run at once;
// within each, order matters (the reply is logged after the message, the
// events are appended in story order) and is kept.
func (c *conversation) record(ctx context.Context, req turnRequest, rc roleplayContext, res *turnResult) error {
	id := rc.Character.ID
	facts := salientFacts(req.UserName, req.Message)
	res.Shift = shiftFrom(req.UserName, req.Message)
	// A relationship nobody ever changed is a first meeting; recording it
	// (even without a change of feeling) makes it the last one.
	firstMeeting := rc.Relationship != nil && rc.Relationship.UpdatedAt.IsZero() && len(rc.Relationship.History) == 0
	events := storyEvents(rc.Character.Name, req.UserName, req.Message, firstMeeting, res.Shift)

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		for _, m := range []loggedMessage{
			{Character: id, Channel: req.ChannelID, Role: roleUser, Content: req.Message, User: req.UserID},
			{Character: id, Channel: req.ChannelID, Role: roleAssistant, Content: res.Reply, User: req.UserID},
		} {
			if err := c.mcp.logMessage(ctx, m); err != nil {
				return fmt.Errorf("log the %s message: %w", m.Role, err)
			}
		}
		return nil
	})
	g.Go(func() error {
		for _, f := range facts {
			if _, err := c.mcp.remember(ctx, newMemory{
				Character: id, Text: f.Text, Kind: f.Kind, Importance: f.Importance,
				User: req.UserID, Channel: req.ChannelID, Tags: []string{"discord"},
			}); err != nil {
				return fmt.Errorf("remember a fact: %w", err)
			}
		}
		return nil
	})
	g.Go(func() error {
		if res.Shift.IsZero() && !firstMeeting {
			return nil
		}
		reason := res.Shift.Reason
		if reason == "" {
			reason = fmt.Sprintf("first conversation with %s", req.UserName)
		}
		_, err := c.mcp.updateRelationship(ctx, relationshipUpdate{
			Character: id, Target: req.UserID, AffinityDelta: res.Shift.Affinity, TrustDelta: res.Shift.Trust, Reason: reason,
		})
		if err != nil {
			return fmt.Errorf("update the relationship: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		for _, e := range events {
			if _, err := c.mcp.addEvent(ctx, newEvent{
				Channel: req.ChannelID, Description: e.Description, Type: e.Type, Character: id,
				Impact: e.Impact, Participants: []string{req.UserID},
			}); err != nil {
				return fmt.Errorf("add a timeline event: %w", err)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	res.Remembered, res.Events = facts, events
	return nil
}

package turn

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// Pipeline plays roleplay turns: the context from the MCP server, a reply
// from the responder, then the bookkeeping that lets the character remember
// the turn.
type Pipeline struct {
	// MCP calls the server's tools.
	MCP *Client
	// Responder writes the replies.
	Responder Responder
	// Tag marks the memories a turn stores with where it was played
	// ("discord", "console"), so that they can be told apart later.
	Tag string
}

// Request is a user's message to a character in a channel.
type Request struct {
	Character string // ID or name
	ChannelID string
	UserID    string
	UserName  string
	Message   string
}

// Result is the reply and what the turn changed.
type Result struct {
	// CharacterID and Character are the ID and name of the character who
	// replied.
	CharacterID string
	Character   string
	Reply       string
	// Offline is true when the offline responder wrote the reply: callers
	// must label it as such.
	Offline    bool
	Remembered []Fact
	Shift      Shift
	Events     []StoryEvent
}

// Take plays one turn. The turn is recorded before it returns, so a reply
// the user sees is always in the conversation log: a failure anywhere
// fails the turn, and the user may simply try again.
func (c *Pipeline) Take(ctx context.Context, req Request) (Result, error) {
	rc, err := c.MCP.GetContext(ctx, ContextRequest{
		Character: req.Character, Channel: req.ChannelID, User: req.UserID, UserName: req.UserName, Message: req.Message,
	})
	if err != nil {
		return Result{}, fmt.Errorf("get the roleplay context: %w", err)
	}
	reply, err := c.Responder.Respond(ctx, Prompt{Context: rc, UserID: req.UserID, UserName: req.UserName, Message: req.Message})
	if err != nil {
		return Result{}, fmt.Errorf("write the reply of %s: %w", rc.Character.Name, err)
	}
	res := Result{CharacterID: rc.Character.ID, Character: rc.Character.Name, Reply: reply, Offline: c.Responder.Offline()}
	if err := c.record(ctx, req, rc, &res); err != nil {
		return Result{}, fmt.Errorf("record the turn: %w", err)
	}
	return res, nil
}

// record logs both messages, remembers the salient facts, and updates the
// relationship and the timeline as the heuristics (salience.go,
// sentiment.go, story.go) say. The four are independent and run at once;
// within each, order matters (the reply is logged after the message, the
// events are appended in story order) and is kept.
func (c *Pipeline) record(ctx context.Context, req Request, rc Context, res *Result) error {
	id := rc.Character.ID
	facts := salientFacts(req.UserName, req.Message)
	res.Shift = shiftFrom(req.UserName, req.Message)
	// A relationship nobody ever changed is a first meeting; recording it
	// (even without a change of feeling) makes it the last one.
	firstMeeting := rc.Relationship != nil && rc.Relationship.UpdatedAt.IsZero() && len(rc.Relationship.History) == 0
	events := storyEvents(rc.Character.Name, req.UserName, req.Message, firstMeeting, res.Shift)

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		for _, m := range []LoggedMessage{
			{Character: id, Channel: req.ChannelID, Role: RoleUser, Content: req.Message, User: req.UserID},
			{Character: id, Channel: req.ChannelID, Role: RoleAssistant, Content: res.Reply, User: req.UserID},
		} {
			if err := c.MCP.LogMessage(ctx, m); err != nil {
				return fmt.Errorf("log the %s message: %w", m.Role, err)
			}
		}
		return nil
	})
	g.Go(func() error {
		for _, f := range facts {
			if _, err := c.MCP.Remember(ctx, NewMemory{
				Character: id, Text: f.Text, Kind: f.Kind, Importance: f.Importance,
				User: req.UserID, Channel: req.ChannelID, Tags: c.tags(),
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
		_, err := c.MCP.UpdateRelationship(ctx, RelationshipUpdate{
			Character: id, Target: req.UserID, AffinityDelta: res.Shift.Affinity, TrustDelta: res.Shift.Trust, Reason: reason,
		})
		if err != nil {
			return fmt.Errorf("update the relationship: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		for _, e := range events {
			if _, err := c.MCP.AddEvent(ctx, NewEvent{
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

func (c *Pipeline) tags() []string {
	if c.Tag == "" {
		return nil
	}
	return []string{c.Tag}
}

package mcpserver

import (
	"context"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

// Limits of the timeline tools.
const (
	defaultTimelineLimit = 50
	maxTimelineLimit     = 500
	defaultImpact        = 5
)

type addEventInput struct {
	Channel       string   `json:"channel" jsonschema:"ID of the channel (scene) whose story this event belongs to."`
	Description   string   `json:"description" jsonschema:"What happened, in one or two sentences."`
	Type          string   `json:"type,omitempty" jsonschema:"The kind of event."`
	Character     string   `json:"character,omitempty" jsonschema:"The character who caused the event (ID or name), if any."`
	Impact        int      `json:"impact,omitempty" jsonschema:"How much the event changes the story, 0 (none) to 10 (turning point)."`
	Participants  []string `json:"participants,omitempty" jsonschema:"IDs or names of the users and characters involved."`
	Branch        string   `json:"branch,omitempty" jsonschema:"Timeline branch to append to; a new name starts a branch from scratch."`
	ParentEventID string   `json:"parent_event_id,omitempty" jsonschema:"Append after this event instead of after the branch's latest event."`
}

type getTimelineInput struct {
	Channel string `json:"channel" jsonschema:"ID of the channel (scene) whose story to read."`
	Branch  string `json:"branch,omitempty" jsonschema:"Which branch of the story to read."`
	Limit   int    `json:"limit,omitempty" jsonschema:"How many of the latest events to return at most."`
}

type branchTimelineInput struct {
	FromEventID string `json:"from_event_id" jsonschema:"ID of the event the new branch continues from (from get_timeline or add_event)."`
	Name        string `json:"name" jsonschema:"Name of the new branch, unique in the channel, e.g. what-if-she-refused."`
}

// timeline is a branch of a channel's story, oldest event first, with the
// channel's other branches.
type timeline struct {
	Channel  string                `json:"channel"`
	Branch   string                `json:"branch"`
	Events   []store.TimelineEvent `json:"events"`
	Branches []store.Branch        `json:"branches"`
}

func (s *Server) timeline(ctx context.Context, channel, branch string, limit int) (timeline, error) {
	channel = strings.TrimSpace(channel)
	events, err := s.store.Timeline(ctx, channel, branch, limit)
	if err != nil {
		return timeline{}, err
	}
	branches, err := s.store.ListBranches(ctx, channel)
	if err != nil {
		return timeline{}, err
	}
	return timeline{Channel: channel, Branch: branch, Events: events, Branches: branches}, nil
}

func (s *Server) registerTimelineTools() {
	addTool(s, toolInfo{
		name: "add_event",
		description: "Record a story event on a channel's timeline. Use this when something happens that matters " +
			"to the story: a plot point, a decision, an arrival, a change of place or relationship.",
		rules: []schemaRule{oneOf("type", store.EventTypes), byDefault("type", store.EventAction),
			between("impact", 0, 10), byDefault("impact", defaultImpact), byDefault("branch", store.DefaultBranch)},
	}, func(ctx context.Context, in addEventInput) (store.TimelineEvent, error) {
		event := store.TimelineEvent{
			ChannelID: strings.TrimSpace(in.Channel), Branch: in.Branch, ParentID: strings.TrimSpace(in.ParentEventID),
			Type: store.EventType(in.Type), Description: in.Description, Impact: in.Impact, Participants: in.Participants,
		}
		if event.ParentID != "" {
			if _, err := s.store.GetEvent(ctx, event.ParentID); err != nil {
				return store.TimelineEvent{}, unknown(err, "parent_event_id", event.ParentID)
			}
		}
		if in.Character != "" {
			c, err := s.resolveCharacter(ctx, in.Character)
			if err != nil {
				return store.TimelineEvent{}, err
			}
			event.CharacterID = c.ID
		}
		return s.store.AddEvent(ctx, event)
	})

	addTool(s, toolInfo{
		name: "get_timeline",
		description: "Read the story of a channel: the latest events of a branch, oldest first, and the list of branches. " +
			"Use this to recall what has happened in a scene.",
		readOnly: true,
		rules: []schemaRule{byDefault("branch", store.DefaultBranch), between("limit", 1, maxTimelineLimit),
			byDefault("limit", defaultTimelineLimit)},
	}, func(ctx context.Context, in getTimelineInput) (timeline, error) {
		tl, err := s.timeline(ctx, in.Channel, in.Branch, in.Limit)
		return tl, unknown(err, "branch", in.Branch)
	})

	addTool(s, toolInfo{
		name: "branch_timeline",
		description: "Start an alternative storyline that continues from an earlier event, leaving the original branch " +
			"as it was. Use this for what-if scenarios or to retry a scene; then add_event with the new branch name.",
	}, func(ctx context.Context, in branchTimelineInput) (store.Branch, error) {
		from := strings.TrimSpace(in.FromEventID)
		b, err := s.store.BranchTimeline(ctx, from, in.Name)
		return b, unknown(err, "from_event_id", from)
	})
}

package store

import (
	"context"
	"fmt"
)

// EventPatch updates the non-nil fields of a timeline event. The event's
// place in the tree (channel, branch, parent) never changes: the story's
// shape is what happened, and editing rewrites only how it is told.
type EventPatch struct {
	Type        *EventType `json:"type,omitempty"`
	Description *string    `json:"description,omitempty"`
	Impact      *int       `json:"impact,omitempty"`
}

// The queries in this file serve the web console (internal/console), which
// shows a channel's whole story tree, not one branch's chain at a time.

func (s *sqlStore) ListChannels(ctx context.Context) ([]string, error) {
	channels, err := collect(ctx, s.db.reader(), scanString,
		`SELECT channel_id FROM timeline_events UNION SELECT channel_id FROM timeline_branches ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return channels, nil
}

func scanString(r rowScanner) (string, error) {
	var v string
	err := r.Scan(&v)
	return v, err
}

func (s *sqlStore) ChannelEvents(ctx context.Context, channelID string) ([]TimelineEvent, error) {
	if err := required("channel_id", channelID); err != nil {
		return nil, err
	}
	events, err := collect(ctx, s.db.reader(), scanEvent,
		`SELECT `+eventColumns+` FROM timeline_events WHERE channel_id = $1 ORDER BY created_at, id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("channel events: %w", err)
	}
	return events, nil
}

func (s *sqlStore) UpdateEvent(ctx context.Context, id string, patch EventPatch) (TimelineEvent, error) {
	var e TimelineEvent
	err := s.db.inTx(ctx, func(q querier) error {
		var err error
		e, err = scanEvent(q.queryRow(ctx, `SELECT `+eventColumns+` FROM timeline_events WHERE id = $1`, id))
		if err != nil {
			return notFound(err, "event", id)
		}
		if patch.Type != nil {
			e.Type = *patch.Type
		}
		if patch.Description != nil {
			e.Description = *patch.Description
		}
		if patch.Impact != nil {
			e.Impact = *patch.Impact
		}
		if err := validateEvent(e); err != nil {
			return err
		}
		_, err = q.exec(ctx, `UPDATE timeline_events SET type = $1, description = $2, impact = $3 WHERE id = $4`,
			string(e.Type), e.Description, e.Impact, id)
		return err
	})
	if err != nil {
		return TimelineEvent{}, fmt.Errorf("update event %s: %w", id, err)
	}
	return e, nil
}

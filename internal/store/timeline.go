package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

const eventColumns = `id, channel_id, branch, parent_id, character_id, type, description, impact, participants, created_at`

// eventColumnsOf is eventColumns qualified with a table alias, for joins.
const eventColumnsOf = `e.id, e.channel_id, e.branch, e.parent_id, e.character_id, e.type, e.description, e.impact, e.participants, e.created_at`

func scanEvent(r rowScanner) (TimelineEvent, error) {
	var (
		e      TimelineEvent
		parent sql.NullString
	)
	err := r.Scan(&e.ID, &e.ChannelID, &e.Branch, &parent, &e.CharacterID, &e.Type, &e.Description, &e.Impact,
		jsonList(&e.Participants), &e.CreatedAt)
	e.ParentID, e.CreatedAt = parent.String, e.CreatedAt.UTC()
	return e, err
}

// nullIfEmpty stores an absent reference as NULL, which foreign keys require.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// insertEvent inserts e; with ifAbsent an existing ID is skipped (n == 0).
func insertEvent(ctx context.Context, q querier, e TimelineEvent, ifAbsent bool) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO timeline_events (`+eventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`+onConflictDoNothing("id", ifAbsent),
		e.ID, e.ChannelID, e.Branch, nullIfEmpty(e.ParentID), e.CharacterID, string(e.Type), e.Description, e.Impact,
		stringsJSON(e.Participants), e.CreatedAt)
	if errors.Is(err, ErrConflict) {
		return 0, fmt.Errorf("event %q: %w", e.ID, ErrConflict)
	}
	return n, err
}

// prepareEvent validates e and fills its branch, ID and timestamp.
func prepareEvent(e *TimelineEvent) error {
	if e.Branch == "" {
		e.Branch = DefaultBranch
	}
	if err := validateEvent(*e); err != nil {
		return err
	}
	e.CreatedAt = timeOrNow(e.CreatedAt)
	return ensureID(&e.ID)
}

func (s *sqlStore) AddEvent(ctx context.Context, e TimelineEvent) (TimelineEvent, error) {
	if err := prepareEvent(&e); err != nil {
		return TimelineEvent{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		if e.CharacterID != "" {
			if err := characterExists(ctx, q, e.CharacterID); errors.Is(err, ErrNotFound) {
				return invalid("character_id", "no character with id %q", e.CharacterID)
			} else if err != nil {
				return err
			}
		}
		// Create the branch if needed and lock it: concurrent appends to one
		// branch must each see the head the previous one set.
		var head sql.NullString
		err := q.queryRow(ctx, `INSERT INTO timeline_branches (channel_id, name, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (channel_id, name) DO UPDATE SET name = excluded.name
			RETURNING head_event_id`, e.ChannelID, e.Branch, now()).Scan(&head)
		if err != nil {
			return err
		}
		if e.ParentID == "" {
			e.ParentID = head.String
		} else if err := parentInChannel(ctx, q, e.ParentID, e.ChannelID); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, q, e, false); err != nil {
			return err
		}
		_, err = q.exec(ctx, `UPDATE timeline_branches SET head_event_id = $3 WHERE channel_id = $1 AND name = $2`,
			e.ChannelID, e.Branch, e.ID)
		return err
	})
	if err != nil {
		return TimelineEvent{}, fmt.Errorf("add event: %w", err)
	}
	return e, nil
}

// parentInChannel checks that an explicitly chosen parent exists in the channel:
// a story does not continue from another channel's event.
func parentInChannel(ctx context.Context, q querier, parentID, channelID string) error {
	var channel string
	err := q.queryRow(ctx, `SELECT channel_id FROM timeline_events WHERE id = $1`, parentID).Scan(&channel)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return invalid("parent_id", "no event with id %q", parentID)
	case err != nil:
		return err
	case channel != channelID:
		return invalid("parent_id", "event %q belongs to channel %q, not %q", parentID, channel, channelID)
	}
	return nil
}

func (s *sqlStore) GetEvent(ctx context.Context, id string) (TimelineEvent, error) {
	e, err := scanEvent(s.db.reader().queryRow(ctx, `SELECT `+eventColumns+` FROM timeline_events WHERE id = $1`, id))
	return e, notFound(err, "event", id)
}

// Timeline of a branch that does not exist is ErrNotFound, except for the
// default branch, which every channel has implicitly: it is empty until the
// first event.
func (s *sqlStore) Timeline(ctx context.Context, channelID, branch string, limit int) ([]TimelineEvent, error) {
	if err := required("channel_id", channelID); err != nil {
		return nil, err
	}
	if branch == "" {
		branch = DefaultBranch
	}
	args := queryArgs{channelID, branch}
	// With a limit the walk stops after limit events instead of reaching the root.
	depthBound := ""
	if limit > 0 {
		depthBound = ` AND chain.depth < ` + args.add(limit-1)
	}
	// The recursive step looks the parent up with a scalar subquery rather than
	// a join: PostgreSQL plans a join against the one-row work table as a hash
	// join over the whole events table, once per step. The root yields one
	// NULL id, which ends the walk and drops out of the final join.
	query := `WITH RECURSIVE chain (id, depth) AS (
			SELECT head_event_id, 0 FROM timeline_branches
			WHERE channel_id = $1 AND name = $2 AND head_event_id IS NOT NULL
			UNION ALL
			SELECT (SELECT p.parent_id FROM timeline_events p WHERE p.id = chain.id), chain.depth + 1
			FROM chain WHERE chain.id IS NOT NULL` + depthBound + `
		)
		SELECT ` + eventColumnsOf + ` FROM chain JOIN timeline_events e ON e.id = chain.id
		ORDER BY chain.depth`
	q := s.db.reader()
	events, err := collect(ctx, q, scanEvent, query, args...)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	if len(events) == 0 && branch != DefaultBranch {
		var one int
		err := q.queryRow(ctx, `SELECT 1 FROM timeline_branches WHERE channel_id = $1 AND name = $2`, channelID, branch).Scan(&one)
		if err != nil {
			return nil, fmt.Errorf("timeline: %w", notFound(err, "branch", branch))
		}
	}
	slices.Reverse(events)
	return events, nil
}

const branchColumns = `channel_id, name, head_event_id, created_at`

func scanBranch(r rowScanner) (Branch, error) {
	var (
		b    Branch
		head sql.NullString
	)
	err := r.Scan(&b.ChannelID, &b.Name, &head, &b.CreatedAt)
	b.HeadEventID, b.CreatedAt = head.String, b.CreatedAt.UTC()
	return b, err
}

// insertBranch inserts b; with ifAbsent an existing branch is skipped (n == 0).
func insertBranch(ctx context.Context, q querier, b Branch, ifAbsent bool) (int64, error) {
	n, err := q.exec(ctx, `INSERT INTO timeline_branches (`+branchColumns+`) VALUES ($1, $2, $3, $4)`+
		onConflictDoNothing("channel_id, name", ifAbsent),
		b.ChannelID, b.Name, nullIfEmpty(b.HeadEventID), b.CreatedAt)
	if errors.Is(err, ErrConflict) {
		return 0, fmt.Errorf("branch %q in channel %q: %w", b.Name, b.ChannelID, ErrConflict)
	}
	return n, err
}

// prepareBranch validates b and fills its timestamp.
func prepareBranch(b *Branch) error {
	b.CreatedAt = timeOrNow(b.CreatedAt)
	return validateBranch(*b)
}

func (s *sqlStore) BranchTimeline(ctx context.Context, fromEventID, name string) (Branch, error) {
	b := Branch{Name: name, HeadEventID: fromEventID, CreatedAt: now()}
	if err := required("name", name); err != nil {
		return Branch{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		err := q.queryRow(ctx, `SELECT channel_id FROM timeline_events WHERE id = $1`, fromEventID).Scan(&b.ChannelID)
		if err != nil {
			return notFound(err, "event", fromEventID)
		}
		_, err = insertBranch(ctx, q, b, false)
		return err
	})
	if err != nil {
		return Branch{}, fmt.Errorf("branch timeline: %w", err)
	}
	return b, nil
}

func (s *sqlStore) ListBranches(ctx context.Context, channelID string) ([]Branch, error) {
	if err := required("channel_id", channelID); err != nil {
		return nil, err
	}
	bs, err := collect(ctx, s.db.reader(), scanBranch,
		`SELECT `+branchColumns+` FROM timeline_branches WHERE channel_id = $1 ORDER BY created_at, name`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list branches: %w", err)
	}
	return bs, nil
}

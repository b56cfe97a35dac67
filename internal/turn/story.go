package turn

import (
	"fmt"
	"regexp"
	"strings"
)

// Timeline event types the turns and the bot record (the MCP server's
// add_event types).
const (
	EventUserJoin           = "user_join"
	EventUserAction         = "user_character_action"
	EventRelationshipChange = "relationship_change"
	EventCharacterIntro     = "character_intro"
	// EventCharacterExit is a character leaving a scene: an action, as the
	// server has no type of its own for it.
	EventCharacterExit = "action"
)

// StoryEvent is a timeline entry a turn adds to the channel's story.
type StoryEvent struct {
	Type        string
	Description string
	Impact      int
}

// The story heuristic: a turn changes the story when a user meets the
// character for the first time, when the user acts in the roleplay (the
// Discord convention is an action between asterisks: "*opens the door*"),
// and when the relationship changes noticeably in one message (an insult,
// or several kind words at once). Plain talk is not an event: the
// conversation log keeps it.
var roleplayAction = regexp.MustCompile(`\*([^*\n]{3,200})\*`)

// Limits of the heuristic.
const (
	maxActionsPerMessage = 2
	// noticeableShift is the affinity change that makes a story event.
	noticeableShift = 0.1
)

func storyEvents(characterName, userName, message string, firstMeeting bool, shift Shift) []StoryEvent {
	var events []StoryEvent
	if firstMeeting {
		events = append(events, StoryEvent{EventUserJoin, fmt.Sprintf("%s meets %s for the first time.", userName, characterName), 2})
	}
	for _, m := range roleplayAction.FindAllStringSubmatch(message, maxActionsPerMessage) {
		if action := strings.TrimSpace(m[1]); action != "" {
			events = append(events, StoryEvent{EventUserAction, fmt.Sprintf("%s: *%s*", userName, action), 3})
		}
	}
	switch {
	case shift.Affinity >= noticeableShift:
		events = append(events, StoryEvent{EventRelationshipChange, fmt.Sprintf("%s grows fonder of %s: %s.", characterName, userName, shift.Reason), 4})
	case shift.Affinity <= -noticeableShift:
		events = append(events, StoryEvent{EventRelationshipChange, fmt.Sprintf("%s cools toward %s: %s.", characterName, userName, shift.Reason), 4})
	}
	return events
}

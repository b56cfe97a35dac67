package mcpserver

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBadArguments checks that every kind of bad argument comes back as a
// tool error whose text names the argument.
func TestBadArguments(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	s := ts.session(t)
	call[any](t, s, "create_character", map[string]any{"name": "Aria"})

	for _, tc := range []struct {
		tool string
		args string
		arg  string // the argument the error must name
	}{
		{"create_character", `{}`, "name"},
		{"create_character", `{"name": "   "}`, "name"},
		{"create_character", `{"name": 5}`, "name"},
		{"create_character", `{"name": "Bo", "goals": "not a list"}`, "goals"},
		{"create_character", `{"name": "Bo", "mood": "x"}`, "mood"},
		{"get_character", `{"character": "Nobody"}`, "character"},
		{"get_character", `{"character": ""}`, "character"},
		{"update_character", `{"character": "Aria"}`, "name"},
		{"remember", `{"character": "Aria"}`, "text"},
		{"remember", `{"character": "Aria", "text": "x", "importance": 11}`, "importance"},
		{"remember", `{"character": "Aria", "text": "x", "importance": 2.5}`, "importance"},
		{"remember", `{"character": "Aria", "text": "x", "kind": "dream"}`, "kind"},
		{"remember", `{"character": "Nobody", "text": "x"}`, "character"},
		{"remember", `{"character": "Aria", "text": "x", "occurred_at": "yesterday"}`, "occurred_at"},
		{"remember", `{"character": "Aria", "text": "x", "occurred_at": "2025-03-14"}`, "occurred_at"},
		{"remember", `{"character": "Aria", "text": "x", "occurred_at": "2025-03-14 15:09:26"}`, "occurred_at"},
		{"remember", `{"character": "Aria", "text": "x", "occurred_at": 1741964966}`, "occurred_at"},
		{"recall", `{"character": "Aria"}`, "query"},
		{"recall", `{"character": "Aria", "query": "x", "limit": 0}`, "limit"},
		{"recall", `{"character": "Aria", "query": "x", "after": "2025-03-15T00:00:00Z", "before": "2025-03-14T00:00:00Z"}`, "after"},
		{"recall", `{"character": "Aria", "query": "x", "after": "last week"}`, "after"},
		{"recall", `{"character": "Aria", "query": "x", "before": "2025-13-01T00:00:00Z"}`, "before"},
		{"list_memories", `{"character": "Aria", "offset": -1}`, "offset"},
		{"list_memories", `{"character": "Aria", "after": "2025-03-14T12:00:00+02:00", "before": "2025-03-14T09:59:59Z"}`, "after"},
		{"list_memories", `{"character": "Aria", "after": "now"}`, "after"},
		{"list_memories", `{"character": "Aria", "before": "2025-03-14T25:00:00Z"}`, "before"},
		{"update_memory", `{"memory_id": "m1"}`, "text"},
		{"update_memory", `{"memory_id": "m1", "occurred_at": "soon"}`, "occurred_at"},
		{"update_memory", `{"memory_id": "m1", "occurred_at": ""}`, "occurred_at"},
		{"update_memory", `{"memory_id": "no-such-memory", "importance": 3}`, "memory_id"},
		{"forget", `{"memory_id": "no-such-memory"}`, "memory_id"},
		{"forget", `{}`, "memory_id"},
		{"forget_user", `{"user": " "}`, "user"},
		{"add_event", `{"description": "x"}`, "channel"},
		{"add_event", `{"channel": "c", "description": "x", "type": "party"}`, "type"},
		{"add_event", `{"channel": "c", "description": "x", "impact": -1}`, "impact"},
		{"add_event", `{"channel": "c", "description": "x", "character": "Nobody"}`, "character"},
		{"add_event", `{"channel": "c", "description": "x", "parent_event_id": "no-such-event"}`, "parent_event_id"},
		{"get_timeline", `{"channel": "c", "limit": 0}`, "limit"},
		{"get_timeline", `{"channel": "c", "branch": "no-such-branch"}`, "branch"},
		{"branch_timeline", `{"from_event_id": "e1"}`, "name"},
		{"branch_timeline", `{"from_event_id": "no-such-event", "name": "b"}`, "from_event_id"},
		{"update_character_state", `{"character": "Aria", "energy": 101}`, "energy"},
		{"update_character_state", `{"character": "Aria"}`, "emotion"},
		{"update_relationship", `{"character": "Aria", "target": "sam", "affinity_delta": 2, "reason": "x"}`, "affinity_delta"},
		{"update_relationship", `{"character": "Aria", "target": "sam"}`, "reason"},
		{"log_message", `{"character": "Aria", "channel": "c", "role": "narrator", "content": "x"}`, "role"},
		{"log_message", `{"character": "Aria", "channel": "c", "role": "user"}`, "content"},
		{"get_context", `{"character": "Aria"}`, "channel"},
		{"get_context", `{"character": "Aria", "channel": "c", "message_limit": 1000}`, "message_limit"},
	} {
		t.Run(tc.tool+" "+tc.args, func(t *testing.T) {
			msg := callFails(t, s, tc.tool, json.RawMessage(tc.args))
			t.Log(msg)
			if !namesArgument(msg, tc.arg) {
				t.Errorf("error %q does not name the argument %q", msg, tc.arg)
			}
		})
	}
}

// namesArgument reports whether msg names arg the way the SDK's schema
// validation ("/properties/arg", ["arg"]) or the server ("arg") does.
func namesArgument(msg, arg string) bool {
	return strings.Contains(msg, `"`+arg+`"`) || strings.Contains(msg, "/"+arg+":") || strings.Contains(msg, "/"+arg+"/")
}

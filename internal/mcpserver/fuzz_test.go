package mcpserver

import (
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fuzzSeeds are valid arguments for each tool, for the fuzzer to mutate.
var fuzzSeeds = map[string]string{
	"create_character":       `{"name": "Bram", "personality": "gruff", "goals": ["sail"]}`,
	"get_character":          `{"character": "Aria"}`,
	"list_characters":        `{}`,
	"update_character":       `{"character": "Aria", "style": "terse", "goals": null}`,
	"delete_character":       `{"character": "Bram"}`,
	"remember":               `{"character": "Aria", "text": "likes tea", "kind": "semantic", "importance": 4, "tags": ["food"]}`,
	"recall":                 `{"character": "Aria", "query": "tea", "limit": 3}`,
	"forget":                 `{"memory_id": "x"}`,
	"forget_user":            `{"user": "sam"}`,
	"list_memories":          `{"character": "Aria", "kind": "episodic", "limit": 5, "offset": 1}`,
	"update_memory":          `{"memory_id": "x", "importance": 9}`,
	"add_event":              `{"channel": "c", "description": "d", "type": "decision", "impact": 3, "branch": "b"}`,
	"get_timeline":           `{"channel": "c", "branch": "main", "limit": 2}`,
	"branch_timeline":        `{"from_event_id": "e", "name": "n"}`,
	"get_character_state":    `{"character": "Aria"}`,
	"update_character_state": `{"character": "Aria", "energy": 50, "inventory": []}`,
	"update_relationship":    `{"character": "Aria", "target": "sam", "affinity_delta": -0.5, "reason": "r"}`,
	"get_relationships":      `{"character": "Aria", "target": "sam"}`,
	"log_message":            `{"character": "Aria", "channel": "c", "role": "user", "content": "hi", "user": "sam"}`,
	"get_context":            `{"character": "Aria", "channel": "c", "user": "sam", "message": "hi", "memory_limit": 2}`,
}

// FuzzToolArguments sends arbitrary JSON as the arguments of every tool of a
// real server. Whatever the input, the call must end in a success or an
// error with a message, never in a JSON-RPC internal error: that is what a
// recovered panic or an output the server cannot produce turns into. (JSON
// the SDK refuses to parse, such as 1e309, is rejected before any tool
// runs; that is an error too, and fine.)
func FuzzToolArguments(f *testing.F) {
	for i, tool := range allTools {
		f.Add(uint8(i), []byte(fuzzSeeds[tool]))
	}
	for _, junk := range []string{`null`, `[]`, `"x"`, `7`, `{"character": {"id": 1}}`, `{"character": "Aria", "limit": 1e309}`} {
		f.Add(uint8(0), []byte(junk))
	}

	ts, _ := startServer(f, testConfig(f))
	s := ts.session(f)
	call[any](f, s, "create_character", map[string]any{"name": "Aria"})

	f.Fuzz(func(t *testing.T, toolIndex uint8, args []byte) {
		if !json.Valid(args) {
			return // the client cannot even send it
		}
		tool := allTools[int(toolIndex)%len(allTools)]
		res, err := s.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: json.RawMessage(args)})
		switch {
		case isInternalError(err):
			t.Fatalf("%s(%s): %v", tool, args, err)
		case err != nil:
			if err.Error() == "" {
				t.Fatalf("%s(%s): error without a message", tool, args)
			}
		case res.IsError && resultText(res) == "":
			t.Fatalf("%s(%s): tool error without a message", tool, args)
		}
	})
}

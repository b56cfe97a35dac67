// Command demo-seed gives the demo's MCP server a character to talk to: Mira,
// a lighthouse keeper, with a short branching story in channel "harbour",
// a few memories and a relationship with the console's guest. It goes
// through the server's own MCP tools, as any client would, and does nothing
// when Mira already exists, so make demo can run it every time.
//
//	go run ./hack/demo-seed http://127.0.0.1:PORT/mcp
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	character = "Mira"
	channel   = "harbour"
	guest     = "guest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: demo-seed MCP_URL")
		os.Exit(2)
	}
	if err := seed(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "demo-seed:", err)
		os.Exit(1)
	}
}

func seed(ctx context.Context, endpoint string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "charsim-demo-seed", Version: "1"}, nil)
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: endpoint, HTTPClient: &http.Client{Timeout: 30 * time.Second}, MaxRetries: -1,
	}, nil)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	defer s.Close()
	c := caller{ctx: ctx, s: s}

	var list struct {
		Characters []struct{ Name string } `json:"characters"`
	}
	if err := c.call("list_characters", nil, &list); err != nil {
		return err
	}
	if slices.ContainsFunc(list.Characters, func(ch struct{ Name string }) bool { return ch.Name == character }) {
		fmt.Println("demo-seed: Mira is already there")
		return nil
	}

	if err := c.call("create_character", map[string]any{
		"name":            character,
		"personality":     "warm, dry-humoured, watchful; slow to trust, loyal once she does",
		"background":      "Keeper of the Greywater lighthouse for twenty years, since the storm that took her brother's boat.",
		"speech_patterns": "short sentences, sea words, answers a question with a question when she is wary",
		"goals":           []string{"keep the light burning", "find out who has been signalling from the cliffs"},
		"style":           "brief, grounded replies with one concrete detail of the lighthouse",
	}, nil); err != nil {
		return err
	}
	if err := c.call("update_character_state", map[string]any{
		"character": character, "emotion": "curious", "energy": 70, "location": "the lamp room",
		"inventory": []string{"brass spyglass", "logbook", "oil can"},
	}, nil); err != nil {
		return err
	}

	var arrival, signal struct {
		ID string `json:"id"`
	}
	steps := []struct {
		args map[string]any
		into *struct {
			ID string `json:"id"`
		}
	}{
		{map[string]any{"description": "A stranger rows into the harbour at dusk, soaked and asking for the keeper.", "type": "character_intro", "impact": 5, "participants": []string{guest}}, &arrival},
		{map[string]any{"description": "Mira lets the stranger warm up by the lamp and asks what brought them out in this weather.", "type": "dialogue", "impact": 2, "character": character}, nil},
		{map[string]any{"description": "A green light blinks three times from the cliffs, answering no ship.", "type": "plot_point", "impact": 7}, &signal},
		{map[string]any{"description": "Mira decides to climb to the cliffs at first light, with the stranger.", "type": "decision", "impact": 6, "character": character}, nil},
	}
	for _, step := range steps {
		step.args["channel"] = channel
		var into any
		if step.into != nil {
			into = step.into
		}
		if err := c.call("add_event", step.args, into); err != nil {
			return err
		}
	}
	if err := c.call("branch_timeline", map[string]any{"from_event_id": signal.ID, "name": "what-if-she-stays"}, nil); err != nil {
		return err
	}
	if err := c.call("add_event", map[string]any{
		"channel": channel, "branch": "what-if-she-stays", "character": character, "type": "decision", "impact": 6,
		"description": "Mira bolts the door and keeps watch from the lamp room all night instead.",
	}, nil); err != nil {
		return err
	}

	for _, m := range []map[string]any{
		{"text": "The stranger arrived by rowing boat at dusk, alone and soaked.", "kind": "episodic", "importance": 6, "user": guest, "channel": channel},
		{"text": "Mira's brother was lost at sea in the great storm twenty years ago.", "kind": "semantic", "importance": 9},
		{"text": "Someone signals from the cliffs with a green lantern, three blinks.", "kind": "episodic", "importance": 8, "channel": channel},
		{"text": "The stranger takes their tea without sugar.", "kind": "semantic", "importance": 3, "user": guest},
	} {
		m["character"] = character
		if err := c.call("remember", m, nil); err != nil {
			return err
		}
	}
	if err := c.call("update_relationship", map[string]any{
		"character": character, "target": guest, "affinity_delta": 0.3, "trust_delta": 0.1,
		"reason": "came to the lighthouse in a storm and helped trim the wick",
	}, nil); err != nil {
		return err
	}
	fmt.Printf("demo-seed: Mira and the story of channel %q are ready (first event %s)\n", channel, arrival.ID)
	return nil
}

// caller calls tools and fails on tool errors, with the tool's message.
type caller struct {
	ctx context.Context
	s   *mcp.ClientSession
}

func (c caller) call(tool string, args map[string]any, out any) error {
	res, err := c.s.CallTool(c.ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if res.IsError {
		var text string
		for _, content := range res.Content {
			if t, ok := content.(*mcp.TextContent); ok {
				text += t.Text
			}
		}
		return fmt.Errorf("%s: %s", tool, text)
	}
	if out == nil {
		return nil
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	return json.Unmarshal(raw, out)
}

package mcpserver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
)

var allTools = []string{
	"create_character", "get_character", "list_characters", "update_character", "delete_character",
	"remember", "recall", "forget", "forget_user", "list_memories", "update_memory",
	"add_event", "get_timeline", "branch_timeline",
	"get_character_state", "update_character_state", "update_relationship", "get_relationships",
	"log_message", "get_context",
	"import_character_card", "export_character_card",
	"add_lore_entry", "update_lore_entry", "delete_lore_entry", "list_lore",
	"set_persona", "get_persona", "import_lorebook",
}

// TestEndToEnd drives a real server over streamable HTTP with the SDK client
// through a whole roleplay session, on SQLite and on PostgreSQL.
func TestEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testEndToEnd(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) { testEndToEnd(t, postgresConfig(t)) })
}

func testEndToEnd(t *testing.T, cfg Config) {
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	ctx := t.Context()

	t.Run("initialize", func(t *testing.T) {
		info := s.InitializeResult()
		if info == nil || info.ServerInfo == nil || info.ServerInfo.Name != "charsim" {
			t.Fatalf("server info = %+v, want name charsim", info)
		}
		if info.Capabilities.Tools == nil || info.Capabilities.Resources == nil || info.Capabilities.Prompts == nil {
			t.Errorf("capabilities = %+v, want tools, resources and prompts", info.Capabilities)
		}
		if !strings.Contains(info.Instructions, "get_context") {
			t.Errorf("instructions do not explain the turn flow: %q", info.Instructions)
		}
	})

	t.Run("legacy protocol client", func(t *testing.T) {
		// Clients of the 2025 protocol versions use the initialize handshake.
		legacy, err := ts.connect(t, "", &mcp.ClientSessionOptions{ProtocolVersion: "2025-06-18"})
		if err != nil {
			t.Fatalf("connect with protocol 2025-06-18: %v", err)
		}
		if got := legacy.InitializeResult().ProtocolVersion; got != "2025-06-18" {
			t.Errorf("negotiated protocol %q, want 2025-06-18", got)
		}
		call[characterList](t, legacy, "list_characters", nil)
	})

	t.Run("list tools", func(t *testing.T) {
		var names []string
		for tool, err := range s.Tools(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, tool.Name)
			if len(tool.Description) < 40 {
				t.Errorf("tool %s: description %q is too thin to tell a model when to use it", tool.Name, tool.Description)
			}
			schema, ok := tool.InputSchema.(map[string]any)
			if !ok || schema["type"] != "object" {
				t.Errorf("tool %s: input schema %v is not an object schema", tool.Name, tool.InputSchema)
				continue
			}
			props, _ := schema["properties"].(map[string]any)
			for name, p := range props {
				if d, _ := p.(map[string]any)["description"].(string); d == "" {
					t.Errorf("tool %s: argument %s has no description", tool.Name, name)
				}
			}
		}
		slices.Sort(names)
		want := slices.Sorted(slices.Values(allTools))
		if !slices.Equal(names, want) {
			t.Errorf("tools = %v, want %v", names, want)
		}
	})

	var aria store.Character
	t.Run("characters", func(t *testing.T) {
		aria = call[store.Character](t, s, "create_character", map[string]any{
			"name": "Aria", "personality": "curious and kind", "background": "a lighthouse keeper's daughter",
			"speech_patterns": "speaks in short sentences", "goals": []string{"find her brother"},
		})
		if aria.ID == "" || aria.Name != "Aria" || aria.Personality != "curious and kind" {
			t.Fatalf("created %+v", aria)
		}
		call[store.Character](t, s, "create_character", map[string]any{"name": "Bram"})
		if msg := callFails(t, s, "create_character", map[string]any{"name": "Aria"}); !strings.Contains(msg, "conflict") {
			t.Errorf("duplicate name: %q, want a conflict", msg)
		}

		byName := call[characterProfile](t, s, "get_character", map[string]any{"character": "Aria"})
		byID := call[characterProfile](t, s, "get_character", map[string]any{"character": aria.ID})
		if byName.Character.ID != aria.ID || byID.Character.Name != "Aria" {
			t.Errorf("by name %+v, by ID %+v", byName.Character, byID.Character)
		}
		if byName.State.CharacterID != aria.ID {
			t.Errorf("profile state = %+v", byName.State)
		}

		updated := call[store.Character](t, s, "update_character", map[string]any{"character": "Aria", "style": "warm"})
		if updated.Style != "warm" || updated.Personality != "curious and kind" {
			t.Errorf("update changed %+v, want only style", updated)
		}
		list := call[characterList](t, s, "list_characters", nil)
		if len(list.Characters) != 2 {
			t.Errorf("list_characters = %d characters, want 2", len(list.Characters))
		}
	})

	var rememberedIDs []string
	t.Run("memories", func(t *testing.T) {
		for _, m := range []map[string]any{
			{"text": "Sam's sister Mia flies cargo planes as a pilot", "kind": "semantic", "importance": 6, "user": "sam"},
			{"text": "It rained all evening at the harbour", "importance": 2},
			{"text": "Aria promised to bake bread for the village festival", "kind": "episodic", "importance": 7},
			{"text": "The old lighthouse lamp needs a new wick", "importance": 3, "tags": []string{"chores"}},
		} {
			m["character"] = "Aria"
			got := call[store.Memory](t, s, "remember", m)
			if got.ID == "" || got.CharacterID != aria.ID {
				t.Fatalf("remember(%v) = %+v", m, got)
			}
			rememberedIDs = append(rememberedIDs, got.ID)
		}
		defaults := call[store.Memory](t, s, "remember", map[string]any{"character": aria.ID, "text": "Bram owes Aria a favour"})
		if defaults.Kind != store.KindEpisodic || defaults.Importance != defaultImportance {
			t.Errorf("defaults: kind %q importance %d, want episodic %d", defaults.Kind, defaults.Importance, defaultImportance)
		}

		recalled := call[recalledMemories](t, s, "recall", map[string]any{"character": "Aria", "query": "what does Mia do, is she a pilot?"})
		if len(recalled.Memories) == 0 || recalled.Memories[0].ID != rememberedIDs[0] {
			t.Fatalf("recall ranked %v first, want the pilot memory", texts(recalled.Memories))
		}
		if recalled.Memories[0].Breakdown != nil {
			t.Errorf("recall without explain returned a breakdown")
		}
		explained := call[recalledMemories](t, s, "recall", map[string]any{"character": "Aria", "query": "what does Mia do, is she a pilot?", "explain": true})
		if len(explained.Memories) == 0 || explained.Memories[0].Breakdown == nil {
			t.Fatalf("recall with explain returned no breakdown: %+v", explained.Memories)
		}
		top := explained.Memories[0]
		if b := top.Breakdown; b.LexicalRank != 1 || b.Lexical <= 0 || b.VectorRank != 1 || b.Vector <= 0 ||
			b.Relevance != top.Relevance || b.Recency != top.Recency || b.Importance != top.ImportanceScore || b.Final != top.Score {
			t.Errorf("breakdown %+v of %+v: want the pilot memory first in both rankings, and the scores it was ranked by", *b, top)
		}
		onlySam := call[recalledMemories](t, s, "recall", map[string]any{"character": "Aria", "query": "harbour rain", "user": "sam"})
		if len(onlySam.Memories) != 1 || onlySam.Memories[0].UserID != "sam" {
			t.Errorf("recall filtered by user = %v", texts(onlySam.Memories))
		}

		updated := call[store.Memory](t, s, "update_memory", map[string]any{"memory_id": rememberedIDs[3], "text": "The lighthouse lamp was fixed", "importance": 4})
		if updated.Text != "The lighthouse lamp was fixed" || updated.Importance != 4 || !slices.Equal(updated.Tags, []string{"chores"}) {
			t.Errorf("update_memory = %+v", updated)
		}
		call[forgotten](t, s, "forget", map[string]any{"memory_id": rememberedIDs[1]})
		if msg := callFails(t, s, "forget", map[string]any{"memory_id": rememberedIDs[1]}); !strings.Contains(msg, `"memory_id"`) {
			t.Errorf("forgetting twice: %q, want an error naming memory_id", msg)
		}
		list := call[memoryList](t, s, "list_memories", map[string]any{"character": "Aria"})
		if len(list.Memories) != 4 {
			t.Errorf("list_memories = %d, want 4 after one forget", len(list.Memories))
		}
		semantic := call[memoryList](t, s, "list_memories", map[string]any{"character": "Aria", "kind": "semantic"})
		if len(semantic.Memories) != 1 {
			t.Errorf("list_memories kind=semantic = %d, want 1", len(semantic.Memories))
		}
	})

	t.Run("memories in time, deduplicated", func(t *testing.T) {
		call[store.Character](t, s, "create_character", map[string]any{"name": "Corin"})
		remember := func(args map[string]any) store.Memory {
			t.Helper()
			args["character"] = "Corin"
			return call[store.Memory](t, s, "remember", args)
		}
		winter := remember(map[string]any{"text": "The harbour froze over.", "occurred_at": "2019-01-15T08:00:00Z", "importance": 3})
		summer := remember(map[string]any{"text": "A whale swam into the harbour.", "occurred_at": "2021-07-01T12:30:00.5+02:00"})
		today := remember(map[string]any{"text": "Corin bought a new net."})
		if want := time.Date(2019, 1, 15, 8, 0, 0, 0, time.UTC); !winter.OccurredAt.Equal(want) || winter.CreatedAt.Before(want.AddDate(5, 0, 0)) {
			t.Errorf("remember with occurred_at: happened %v, stored %v; want %v, stored now", winter.OccurredAt, winter.CreatedAt, want)
		}
		if !today.OccurredAt.Equal(today.CreatedAt) {
			t.Errorf("remember without occurred_at: happened %v, stored %v; want the same", today.OccurredAt, today.CreatedAt)
		}
		if winter.Deduplicated || today.Deduplicated {
			t.Error("new memories are reported deduplicated")
		}

		// The same memory again, up to case and punctuation.
		again := remember(map[string]any{"text": "the harbour froze over!", "importance": 8})
		if !again.Deduplicated || again.ID != winter.ID || again.Importance != 8 || !again.OccurredAt.Equal(winter.OccurredAt) {
			t.Errorf("remembering it again = %+v, want memory %s deduplicated with importance 8", again, winter.ID)
		}
		// The raw result says so too.
		res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "remember", Arguments: map[string]any{"character": "Corin", "text": "The harbour froze over"}})
		if err != nil || res.IsError || !strings.Contains(resultText(res), `"deduplicated":true`) {
			t.Errorf("remember of a duplicate: %v %s, want \"deduplicated\": true", err, resultText(res))
		}
		if n := len(call[memoryList](t, s, "list_memories", map[string]any{"character": "Corin"}).Memories); n != 3 {
			t.Errorf("%d memories after remembering one twice, want 3", n)
		}

		ids := func(ms []store.Memory) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.ID)
			}
			return out
		}
		for _, tc := range []struct {
			args map[string]any
			want []string
		}{
			{map[string]any{}, []string{today.ID, summer.ID, winter.ID}},
			{map[string]any{"after": "2020-01-01T00:00:00Z"}, []string{today.ID, summer.ID}},
			{map[string]any{"before": "2020-01-01T00:00:00Z"}, []string{winter.ID}},
			{map[string]any{"after": "2019-01-15T08:00:00Z", "before": "2021-07-01T10:30:00.5Z"}, []string{summer.ID, winter.ID}},
		} {
			tc.args["character"] = "Corin"
			if got := ids(call[memoryList](t, s, "list_memories", tc.args).Memories); !slices.Equal(got, tc.want) {
				t.Errorf("list_memories(%v) = %v, want %v", tc.args, got, tc.want)
			}
		}
		recalled := call[recalledMemories](t, s, "recall", map[string]any{"character": "Corin", "query": "harbour", "before": "2020-01-01T00:00:00Z"})
		for _, m := range recalled.Memories {
			if m.OccurredAt.After(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("recall before 2020 returned %q, which happened %v", m.Text, m.OccurredAt)
			}
		}
		if len(recalled.Memories) == 0 || recalled.Memories[0].ID != winter.ID {
			t.Errorf("recall before 2020 = %v, want the frozen harbour", texts(recalled.Memories))
		}

		moved := call[store.Memory](t, s, "update_memory", map[string]any{"memory_id": today.ID, "occurred_at": "2018-06-01T00:00:00Z"})
		if !moved.OccurredAt.Equal(time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)) || moved.Text != today.Text {
			t.Errorf("update_memory(occurred_at) = %+v", moved)
		}
		if got := ids(call[memoryList](t, s, "list_memories", map[string]any{"character": "Corin"}).Memories); !slices.Equal(got, []string{summer.ID, winter.ID, today.ID}) {
			t.Errorf("after moving a memory back in time list_memories = %v", got)
		}
		// Correcting a memory into a copy of another is refused, naming it.
		if msg := callFails(t, s, "update_memory", map[string]any{"memory_id": today.ID, "text": "A WHALE swam into the harbour"}); !strings.Contains(msg, summer.ID) {
			t.Errorf("update into a duplicate: %q, want a conflict naming %s", msg, summer.ID)
		}
	})

	t.Run("timeline", func(t *testing.T) {
		add := func(args map[string]any) store.TimelineEvent {
			args["channel"] = "harbour"
			return call[store.TimelineEvent](t, s, "add_event", args)
		}
		first := add(map[string]any{"description": "A storm reaches the harbour", "type": "plot_point", "impact": 6})
		second := add(map[string]any{"description": "Aria lights the lamp", "character": "Aria", "participants": []string{"Aria"}})
		add(map[string]any{"description": "A ship is saved", "type": "plot_point", "impact": 8})
		if second.ParentID != first.ID || second.CharacterID != aria.ID || second.Type != store.EventAction || second.Branch != store.DefaultBranch {
			t.Errorf("second event = %+v", second)
		}

		branch := call[store.Branch](t, s, "branch_timeline", map[string]any{"from_event_id": second.ID, "name": "lamp-fails"})
		if branch.HeadEventID != second.ID {
			t.Errorf("branch = %+v", branch)
		}
		add(map[string]any{"description": "The lamp goes out", "branch": "lamp-fails"})

		main := call[timeline](t, s, "get_timeline", map[string]any{"channel": "harbour"})
		alt := call[timeline](t, s, "get_timeline", map[string]any{"channel": "harbour", "branch": "lamp-fails"})
		if got := descriptions(main.Events); !slices.Equal(got, []string{"A storm reaches the harbour", "Aria lights the lamp", "A ship is saved"}) {
			t.Errorf("main branch = %v", got)
		}
		if got := descriptions(alt.Events); !slices.Equal(got, []string{"A storm reaches the harbour", "Aria lights the lamp", "The lamp goes out"}) {
			t.Errorf("branch lamp-fails = %v", got)
		}
		if len(main.Branches) != 2 {
			t.Errorf("branches = %+v, want main and lamp-fails", main.Branches)
		}
		last := call[timeline](t, s, "get_timeline", map[string]any{"channel": "harbour", "limit": 1})
		if got := descriptions(last.Events); !slices.Equal(got, []string{"A ship is saved"}) {
			t.Errorf("limit 1 = %v", got)
		}
		if msg := callFails(t, s, "branch_timeline", map[string]any{"from_event_id": first.ID, "name": "lamp-fails"}); !strings.Contains(msg, "conflict") {
			t.Errorf("duplicate branch: %q", msg)
		}
	})

	t.Run("state and relationships", func(t *testing.T) {
		st := call[store.CharacterState](t, s, "update_character_state", map[string]any{
			"character": "Aria", "emotion": "hopeful", "energy": 70, "location": "lighthouse", "inventory": []string{"lantern"},
		})
		if st.Emotion != "hopeful" || st.Energy != 70 || st.Location != "lighthouse" {
			t.Errorf("state = %+v", st)
		}
		st = call[store.CharacterState](t, s, "update_character_state", map[string]any{"character": "Aria", "energy": 40})
		if st.Emotion != "hopeful" || st.Energy != 40 {
			t.Errorf("partial update = %+v, want emotion kept", st)
		}
		if got := call[store.CharacterState](t, s, "get_character_state", map[string]any{"character": "Aria"}); got.Energy != 40 {
			t.Errorf("get_character_state = %+v", got)
		}

		call[store.Relationship](t, s, "update_relationship", map[string]any{"character": "Aria", "target": "sam", "affinity_delta": 0.5, "trust_delta": 0.2, "reason": "helped with the lamp"})
		rel := call[store.Relationship](t, s, "update_relationship", map[string]any{"character": "Aria", "target": "sam", "affinity_delta": 0.75, "reason": "brought bread"})
		if rel.Affinity != 1 || rel.Trust != 0.2 || len(rel.History) != 2 {
			t.Errorf("relationship = %+v, want affinity clamped to 1, trust 0.2, two changes", rel)
		}
		call[store.Relationship](t, s, "update_relationship", map[string]any{"character": "Aria", "target": "Bram", "trust_delta": -0.3, "reason": "lied"})
		all := call[relationshipList](t, s, "get_relationships", map[string]any{"character": "Aria"})
		one := call[relationshipList](t, s, "get_relationships", map[string]any{"character": "Aria", "target": "Bram"})
		neutral := call[relationshipList](t, s, "get_relationships", map[string]any{"character": "Aria", "target": "nobody"})
		if len(all.Relationships) != 2 || len(one.Relationships) != 1 || one.Relationships[0].Trust != -0.3 ||
			len(neutral.Relationships) != 1 || neutral.Relationships[0].Affinity != 0 || len(neutral.Relationships[0].History) != 0 {
			t.Errorf("all %+v, one %+v, neutral %+v", all, one, neutral)
		}
	})

	t.Run("conversation and context", func(t *testing.T) {
		call[store.Message](t, s, "log_message", map[string]any{"character": "Aria", "channel": "harbour", "role": "user", "user": "sam", "content": "Hi Aria!"})
		call[store.Message](t, s, "log_message", map[string]any{"character": "Aria", "channel": "harbour", "role": "assistant", "user": "sam", "content": "Hello, Sam."})

		rc := call[roleplayContext](t, s, "get_context", map[string]any{
			"character": "Aria", "channel": "harbour", "user": "sam", "message": "Is my sister still a pilot?",
		})
		if rc.Character.ID != aria.ID || rc.State.Emotion != "hopeful" {
			t.Errorf("persona/state = %+v / %+v", rc.Character, rc.State)
		}
		if rc.Relationship == nil || rc.Relationship.Target != "sam" {
			t.Errorf("relationship = %+v, want the one with sam", rc.Relationship)
		}
		if len(rc.Memories) == 0 || rc.Memories[0].ID != rememberedIDs[0] {
			t.Errorf("memories = %v, want the pilot memory first", texts(rc.Memories))
		}
		if len(rc.RecentMessages) != 2 || rc.RecentMessages[0].Content != "Hi Aria!" || rc.RecentMessages[1].Role != "assistant" {
			t.Errorf("recent messages = %+v", rc.RecentMessages)
		}
		if len(rc.Timeline) != 3 {
			t.Errorf("timeline = %v", descriptions(rc.Timeline))
		}
		for _, want := range []string{"You are Aria", "curious and kind", "hopeful", "Mia flies cargo planes", "A ship is saved", "sam: Hi Aria!", "Aria: Hello, Sam."} {
			if !strings.Contains(rc.SystemPrompt, want) {
				t.Errorf("system prompt lacks %q:\n%s", want, rc.SystemPrompt)
			}
		}

		// Without a message, memories are recalled for the latest user message.
		implicit := call[roleplayContext](t, s, "get_context", map[string]any{"character": "Aria", "channel": "harbour"})
		if len(implicit.Memories) == 0 || implicit.Relationship != nil {
			t.Errorf("context without message/user: memories %v, relationship %+v", texts(implicit.Memories), implicit.Relationship)
		}
	})

	t.Run("resources", func(t *testing.T) {
		var templates []string
		for rt, err := range s.ResourceTemplates(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			templates = append(templates, rt.URITemplate)
		}
		if !slices.Equal(templates, []string{"character://{id}", "timeline://{channel}"}) {
			t.Errorf("resource templates = %v", templates)
		}
		for _, uri := range []string{"character://Aria", "character://" + aria.ID} {
			var p characterProfile
			readResource(t, s, uri, &p)
			if p.Character.ID != aria.ID || p.State.Emotion != "hopeful" {
				t.Errorf("%s = %+v", uri, p)
			}
		}
		var tl timeline
		readResource(t, s, "timeline://harbour", &tl)
		if len(tl.Events) != 3 || tl.Branch != store.DefaultBranch {
			t.Errorf("timeline://harbour = %+v", tl)
		}
		if _, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: "character://nobody"}); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("unknown character resource: %v, want not found", err)
		}
	})

	t.Run("prompt", func(t *testing.T) {
		res, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: "roleplay", Arguments: map[string]string{
			"character": "Aria", "channel": "harbour", "user": "sam", "message": "tell me about Mia the pilot",
		}})
		if err != nil {
			t.Fatal(err)
		}
		text := res.Messages[0].Content.(*mcp.TextContent).Text
		for _, want := range []string{"You are Aria", "Mia flies cargo planes", "relationship with sam"} {
			if !strings.Contains(text, want) {
				t.Errorf("roleplay prompt lacks %q:\n%s", want, text)
			}
		}
		_, err = s.GetPrompt(ctx, &mcp.GetPromptParams{Name: "roleplay", Arguments: map[string]string{"character": "Aria"}})
		if err == nil || !strings.Contains(err.Error(), `"channel"`) {
			t.Errorf("prompt without channel: %v, want an error naming channel", err)
		}
	})

	t.Run("forget user and delete character", func(t *testing.T) {
		gone := call[forgottenUser](t, s, "forget_user", map[string]any{"user": "sam"})
		if gone.MemoriesDeleted != 1 {
			t.Errorf("forget_user deleted %d memories, want 1", gone.MemoriesDeleted)
		}
		rc := call[roleplayContext](t, s, "get_context", map[string]any{"character": "Aria", "channel": "harbour"})
		for _, m := range rc.RecentMessages {
			if m.UserID == "sam" {
				t.Errorf("message of a forgotten user still in context: %+v", m)
			}
		}

		deleted := call[deletedCharacter](t, s, "delete_character", map[string]any{"character": "Bram"})
		if deleted.Name != "Bram" {
			t.Errorf("deleted %+v", deleted)
		}
		if msg := callFails(t, s, "get_character", map[string]any{"character": "Bram"}); !strings.Contains(msg, `"character"`) {
			t.Errorf("deleted character: %q", msg)
		}
	})
}

func readResource(t *testing.T, s *mcp.ClientSession, uri string, out any) {
	t.Helper()
	res, err := s.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
	if c := res.Contents[0]; c.MIMEType != "application/json" || json.Unmarshal([]byte(c.Text), out) != nil {
		t.Fatalf("read %s: %s %q", uri, c.MIMEType, c.Text)
	}
}

func texts(ms []recalledMemory) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

func descriptions(es []store.TimelineEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Description
	}
	return out
}

package mcpserver

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
)

// v3PromptCard is a V3 card with every field that reaches (or must not
// reach) a prompt, with macros in each.
const v3PromptCard = `{
  "spec": "chara_card_v3", "spec_version": "3.0",
  "data": {
    "name": "Captain Isolde Varga", "nickname": "Izzy",
    "description": "{{char}} commands the airship Kestrel.",
    "personality": "blunt, loyal to <USER>",
    "scenario": "{{user}} has stowed away aboard the Kestrel.",
    "first_mes": "*{{char}} finds {{user}} in the cargo hold.* Well, well.",
    "alternate_greetings": ["Welcome aboard, <user>.", ""],
    "group_only_greetings": ["Everyone, meet {{user}}."],
    "mes_example": "<START>\n{{user}}: Where are we going?\n{{char}}: Wherever the wind pays.\n<start>\n<BOT>: *checks the compass*",
    "creator_notes": "SECRET-CREATOR-NOTE: only for people browsing the hub.",
    "creator_notes_multilingual": {"fr": "NOTE-SECRETE"},
    "system_prompt": "You narrate a sky-pirate story. {{original}}",
    "post_history_instructions": "{{original}} Keep {{char}}'s replies under 80 words for {{user}}.",
    "tags": [], "creator": "", "character_version": "", "extensions": {},
    "assets": [], "source": [], "creation_date": 0, "modification_date": 0
  }
}`

func TestCardPrompts(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCardPrompts(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) { testCardPrompts(t, postgresConfig(t)) })
}

func testCardPrompts(t *testing.T, cfg Config) {
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	call[ImportedCard](t, s, "import_character_card", map[string]any{"content": v3PromptCard})
	call[store.Message](t, s, "log_message", map[string]any{"character": "Captain Isolde Varga", "channel": "deck", "role": "user", "user": "u1", "content": "Hello?"})
	rc := call[roleplayContext](t, s, "get_context", map[string]any{
		"character": "Captain Isolde Varga", "channel": "deck", "user": "u1", "user_name": "Robin",
	})
	p := rc.SystemPrompt

	t.Run("system_prompt replaces the default, {{original}} inserting it", func(t *testing.T) {
		want := "You narrate a sky-pirate story. You are Izzy, a character in an ongoing roleplay. Stay in character and reply as Izzy would.\n"
		if !strings.HasPrefix(p, want) {
			t.Errorf("prompt starts %q, want %q", firstLine(p), want)
		}
	})
	t.Run("post_history_instructions end the prompt", func(t *testing.T) {
		want := "Write only Izzy's next reply, in character. Keep Izzy's replies under 80 words for Robin."
		if rc.PostHistoryInstructions != want || !strings.HasSuffix(p, want+"\n") {
			t.Errorf("post-history = %q, prompt ends %q; want %q", rc.PostHistoryInstructions, p[max(0, len(p)-120):], want)
		}
		if strings.Index(p, "Recent conversation") > strings.Index(p, want) {
			t.Errorf("post-history instructions come before the conversation:\n%s", p)
		}
	})
	t.Run("macros are replaced, nickname-aware", func(t *testing.T) {
		for _, want := range []string{
			"Background: Izzy commands the airship Kestrel.", "Personality: blunt, loyal to Robin",
			"Scenario: Robin has stowed away aboard the Kestrel.", "Robin: Hello?",
		} {
			if !strings.Contains(p, want) {
				t.Errorf("prompt lacks %q:\n%s", want, p)
			}
		}
		for _, macro := range []string{"{{char}}", "{{user}}", "<USER>", "<BOT>", "{{original}}"} {
			if strings.Contains(strings.ToLower(p), strings.ToLower(macro)) {
				t.Errorf("prompt still holds %s:\n%s", macro, p)
			}
		}
		if rc.CharName != "Izzy" || rc.UserName != "Robin" || rc.Scenario != "Robin has stowed away aboard the Kestrel." {
			t.Errorf("char_name %q, user_name %q, scenario %q", rc.CharName, rc.UserName, rc.Scenario)
		}
	})
	t.Run("mes_example becomes example dialogue", func(t *testing.T) {
		want := []string{"Robin: Where are we going?\nIzzy: Wherever the wind pays.", "Izzy: *checks the compass*"}
		if !reflect.DeepEqual(rc.ExampleDialogue, want) {
			t.Errorf("example_dialogue = %q, want %q", rc.ExampleDialogue, want)
		}
		if !strings.Contains(p, "Example dialogue (how Izzy talks; these did not happen):\n<START>\n"+want[0]+"\n<START>\n"+want[1]+"\n") ||
			strings.Contains(p, "Speech patterns") {
			t.Errorf("prompt does not show the example dialogue as such:\n%s", p)
		}
	})
	t.Run("creator_notes never reach a prompt", func(t *testing.T) {
		prompt, err := s.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "roleplay", Arguments: map[string]string{
			"character": "Captain Isolde Varga", "channel": "deck", "user": "u1", "user_name": "Robin",
		}})
		if err != nil {
			t.Fatal(err)
		}
		text := prompt.Messages[0].Content.(*mcp.TextContent).Text
		raw, _ := json.Marshal(rc)
		for _, where := range []string{text, string(raw)} {
			if strings.Contains(where, "SECRET") {
				t.Errorf("creator notes leaked: %s", where)
			}
		}
		if text != p {
			t.Errorf("the roleplay prompt differs from get_context's system_prompt:\n%s\n---\n%s", text, p)
		}
	})
	t.Run("stored text keeps its macros", func(t *testing.T) {
		c, err := ts.store.GetCharacterByName(t.Context(), "Captain Isolde Varga")
		if err != nil || c.Background != "{{char}} commands the airship Kestrel." || !strings.Contains(c.SpeechPatterns, "{{user}}") {
			t.Errorf("stored character = %+v, %v", c, err)
		}
	})
	t.Run("greetings through get_character and character://", func(t *testing.T) {
		prof := call[characterProfile](t, s, "get_character", map[string]any{"character": "Captain Isolde Varga", "user_name": "Robin"})
		want := &characterGreetings{
			FirstMes:           "*Izzy finds Robin in the cargo hold.* Well, well.",
			AlternateGreetings: []string{"Welcome aboard, Robin."},
			GroupOnlyGreetings: []string{"Everyone, meet Robin."},
		}
		if prof.CharName != "Izzy" || !reflect.DeepEqual(prof.Greetings, want) {
			t.Errorf("get_character: char_name %q, greetings %+v, want %+v", prof.CharName, prof.Greetings, want)
		}
		res, err := s.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "character://Captain%20Isolde%20Varga"})
		if err != nil {
			t.Fatal(err)
		}
		var viaResource characterProfile
		if err := json.Unmarshal([]byte(res.Contents[0].Text), &viaResource); err != nil {
			t.Fatal(err)
		}
		// Without a user, {{user}} stays for the caller to replace.
		if g := viaResource.Greetings; g == nil || g.FirstMes != "*Izzy finds {{user}} in the cargo hold.* Well, well." {
			t.Errorf("resource greetings = %+v", g)
		}
	})
	t.Run("a character without a card keeps charsim's prompt", func(t *testing.T) {
		call[store.Character](t, s, "create_character", map[string]any{"name": "Plain", "speech_patterns": "short sentences"})
		rc := call[roleplayContext](t, s, "get_context", map[string]any{"character": "Plain", "channel": "deck"})
		if !strings.HasPrefix(rc.SystemPrompt, "You are Plain, a character") || !strings.Contains(rc.SystemPrompt, "Speech patterns: short sentences") ||
			rc.PostHistoryInstructions != "Write only Plain's next reply, in character." || rc.ExampleDialogue != nil {
			t.Errorf("plain character's context: %+v", rc)
		}
		prof := call[characterProfile](t, s, "get_character", map[string]any{"character": "Plain"})
		if prof.Greetings != nil {
			t.Errorf("greetings of a character without a card = %+v", prof.Greetings)
		}
	})
}

func firstLine(s string) string {
	before, _, _ := strings.Cut(s, "\n")
	return before
}

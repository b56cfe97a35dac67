package mcpserver

import (
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func TestSetPersona(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	s := ts.session(t)
	set := call[personaResult](t, s, "set_persona", map[string]any{"user": " u1 ", "name": "Robin", "description": "A stowaway with a map."})
	if p := set.Persona; p == nil || p.UserID != "u1" || p.Name != "Robin" || p.Description != "A stowaway with a map." || set.Cleared {
		t.Fatalf("set_persona = %+v", set)
	}
	if got := call[personaResult](t, s, "get_persona", map[string]any{"user": "u1"}); got.Persona == nil || got.Persona.Name != "Robin" {
		t.Fatalf("get_persona = %+v", got)
	}

	for _, tc := range []struct {
		args map[string]any
		arg  string
	}{
		{map[string]any{"name": "Robin"}, `"user"`},
		{map[string]any{"user": "  ", "name": "Robin"}, `"user"`},
		{map[string]any{"user": "u1", "name": strings.Repeat("r", store.MaxPersonaName+1)}, `"name"`},
		{map[string]any{"user": "u1", "name": "two\nlines"}, `"name"`},
		{map[string]any{"user": "u1", "name": "Robin", "description": strings.Repeat("d", store.MaxPersonaDescription+1)}, `"description"`},
		{map[string]any{"user": "u1", "description": "no name"}, `"name"`},
	} {
		// The schema (missing, blank) or the tool names the argument.
		msg := callFails(t, s, "set_persona", tc.args)
		if !strings.Contains(msg, tc.arg) && !strings.Contains(msg, "/properties/"+strings.Trim(tc.arg, `"`)) {
			t.Errorf("set_persona(%v) error %q does not name %s", tc.args, msg, tc.arg)
		}
	}
	if got := call[personaResult](t, s, "get_persona", map[string]any{"user": "u1"}); got.Persona == nil || got.Persona.Name != "Robin" {
		t.Fatalf("a refused call changed the persona: %+v", got)
	}

	// An empty name clears, and clearing twice is fine.
	for range 2 {
		if cleared := call[personaResult](t, s, "set_persona", map[string]any{"user": "u1", "name": ""}); !cleared.Cleared || cleared.Persona != nil {
			t.Fatalf("clearing = %+v", cleared)
		}
	}
	if got := call[personaResult](t, s, "get_persona", map[string]any{"user": "u1"}); got.Persona != nil {
		t.Fatalf("cleared persona = %+v", got.Persona)
	}
}

// TestContextPersonaLoreMacros is get_context's contract on both backends:
// the triggered lore, the user's persona and the macros replaced.
func TestContextPersonaLoreMacros(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testContextPersonaLoreMacros(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) { testContextPersonaLoreMacros(t, postgresConfig(t)) })
}

func testContextPersonaLoreMacros(t *testing.T, cfg Config) {
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	call[ImportedCard](t, s, "import_character_card", map[string]any{"content": v3PromptCard})
	const char = "Captain Isolde Varga"
	entry := call[store.LoreEntry](t, s, "add_lore_entry", map[string]any{
		"scope": "character", "owner": char, "keys": []string{"compass"},
		"content": "{{char}} once gave <USER> a broken compass.",
	})
	call[personaResult](t, s, "set_persona", map[string]any{"user": "u1", "name": "Robin", "description": "A stowaway who owes {{char}} money."})
	call[store.Message](t, s, "log_message", map[string]any{"character": char, "channel": "deck", "role": "user", "user": "u1", "content": "I still have that compass."})

	ctx := func(user, userName string) roleplayContext {
		return call[roleplayContext](t, s, "get_context", map[string]any{"character": char, "channel": "deck", "user": user, "user_name": userName})
	}
	rc := ctx("u1", "robin#1234")
	t.Run("the persona name wins over the display name", func(t *testing.T) {
		if rc.UserName != "Robin" || rc.Persona == nil || rc.Persona.Name != "Robin" {
			t.Errorf("user_name %q, persona %+v", rc.UserName, rc.Persona)
		}
		if strings.Contains(rc.SystemPrompt, "robin#1234") {
			t.Errorf("the display name reached the prompt of a user with a persona:\n%s", rc.SystemPrompt)
		}
		for _, want := range []string{"Scenario: Robin has stowed away", "Robin: I still have that compass.", "for Robin."} {
			if !strings.Contains(rc.SystemPrompt, want) {
				t.Errorf("prompt lacks %q:\n%s", want, rc.SystemPrompt)
			}
		}
	})
	t.Run("the persona description is in the context", func(t *testing.T) {
		if want := "Who you are talking to, Robin (their persona): A stowaway who owes Izzy money."; !strings.Contains(rc.SystemPrompt, want) {
			t.Errorf("prompt lacks %q:\n%s", want, rc.SystemPrompt)
		}
	})
	t.Run("triggered lore with its macros replaced", func(t *testing.T) {
		if len(rc.Lore) != 1 || rc.Lore[0].EntryID != entry.ID || rc.Lore[0].Content != "Izzy once gave Robin a broken compass." {
			t.Fatalf("lore = %+v", rc.Lore)
		}
		if !strings.Contains(rc.SystemPrompt, "- Izzy once gave Robin a broken compass.") {
			t.Errorf("prompt lacks the lore:\n%s", rc.SystemPrompt)
		}
		if stored, _ := ts.store.GetLoreEntry(t.Context(), entry.ID); stored.Content != "{{char}} once gave <USER> a broken compass." {
			t.Errorf("stored lore changed: %q", stored.Content)
		}
	})
	t.Run("another user gets their display name and no persona", func(t *testing.T) {
		other := ctx("u2", "Kai")
		if other.UserName != "Kai" || other.Persona != nil || strings.Contains(other.SystemPrompt, "Robin") ||
			!strings.Contains(other.SystemPrompt, "Scenario: Kai has stowed away") {
			t.Errorf("u2's context: user_name %q, persona %+v\n%s", other.UserName, other.Persona, other.SystemPrompt)
		}
		// Without a display name the ID stands in.
		if anon := ctx("u3", ""); anon.UserName != "u3" {
			t.Errorf("user_name without a display name = %q, want the ID", anon.UserName)
		}
	})
	t.Run("greetings for the user", func(t *testing.T) {
		prof := call[characterProfile](t, s, "get_character", map[string]any{"character": char, "user": "u1", "user_name": "ignored"})
		if prof.Greetings == nil || prof.Greetings.FirstMes != "*Izzy finds Robin in the cargo hold.* Well, well." {
			t.Errorf("greetings = %+v", prof.Greetings)
		}
	})
}

package mcpserver

import (
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func TestContextLore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testContextLore(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) { testContextLore(t, postgresConfig(t)) })
}

func testContextLore(t *testing.T, cfg Config) {
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	call[store.Character](t, s, "create_character", map[string]any{"name": "Aria"})
	call[store.Character](t, s, "create_character", map[string]any{"name": "Bram"})
	add := func(args map[string]any) store.LoreEntry { return call[store.LoreEntry](t, s, "add_lore_entry", args) }
	world := add(map[string]any{"scope": "world", "content": "Magic is fading from the world.", "constant": true, "insertion_order": 1})
	sea := add(map[string]any{"scope": "character", "owner": "Aria", "content": "{{char}} fears the sea.", "keys": []string{"sea"}})
	tavern := add(map[string]any{"scope": "channel", "owner": "harbour", "content": "The Gull tavern is loud.", "keys": []string{"tavern"}})
	add(map[string]any{"scope": "channel", "owner": "elsewhere", "content": "Another channel's canon.", "constant": true})
	add(map[string]any{"scope": "character", "owner": "Bram", "content": "Bram's own sea lore.", "keys": []string{"sea"}})
	add(map[string]any{"scope": "world", "content": "Dragons sleep in the north.", "keys": []string{"dragon"}})
	add(map[string]any{"scope": "world", "content": "Only at AND ALL.", "keys": []string{"sea"}, "secondary_keys": []string{"storm", "moon"}, "selective_logic": "and_all"})
	call[store.Memory](t, s, "remember", map[string]any{"character": "Aria", "text": "Sam met Aria at the tavern by the sea", "importance": 8})

	call[store.Message](t, s, "log_message", map[string]any{"character": "Aria", "channel": "harbour", "role": "user", "user": "sam", "content": "The sea is rough tonight, and a storm is coming."})
	rc := call[roleplayContext](t, s, "get_context", map[string]any{"character": "Aria", "channel": "harbour", "user": "sam", "message": "Shall we go to the tavern?"})

	got := map[string]triggeredLore{}
	for _, l := range rc.Lore {
		got[l.EntryID] = l
	}
	if len(rc.Lore) != 3 {
		t.Fatalf("lore = %+v, want the world constant, Aria's sea entry and the harbour tavern entry", rc.Lore)
	}
	if l := got[world.ID]; l.Trigger != "constant" || l.Scope != "world" {
		t.Errorf("world entry = %+v", l)
	}
	// Macros are replaced when the prompt is built, never in the store.
	if l := got[sea.ID]; l.Content != "Aria fears the sea." || l.Trigger != "key sea" || l.Scope != "character" {
		t.Errorf("character entry = %+v", l)
	}
	if stored, _ := ts.store.GetLoreEntry(t.Context(), sea.ID); stored.Content != "{{char}} fears the sea." {
		t.Errorf("stored content changed to %q", stored.Content)
	}
	// The new message is scanned too.
	if l := got[tavern.ID]; l.Trigger != "key tavern" || l.Scope != "channel" || l.BookID != tavern.BookID {
		t.Errorf("channel entry = %+v", l)
	}
	// Memories stay what they are, next to the lore.
	if len(rc.Memories) == 0 || !strings.Contains(rc.Memories[0].Text, "Sam met Aria") {
		t.Errorf("memories = %+v", rc.Memories)
	}
	lorePart := strings.Index(rc.SystemPrompt, "Lore of this world")
	memPart := strings.Index(rc.SystemPrompt, "What you remember")
	if lorePart < 0 || memPart < 0 || lorePart > memPart || !strings.Contains(rc.SystemPrompt[lorePart:memPart], "Aria fears the sea.") ||
		strings.Contains(rc.SystemPrompt[lorePart:memPart], "Sam met Aria") {
		t.Errorf("system prompt does not keep lore and memories apart:\n%s", rc.SystemPrompt)
	}
	if strings.Contains(rc.SystemPrompt, "Another channel") || strings.Contains(rc.SystemPrompt, "Bram's own") || strings.Contains(rc.SystemPrompt, "Dragons") {
		t.Errorf("lore of other owners or of keys not mentioned reached the prompt:\n%s", rc.SystemPrompt)
	}

	// Without lore that matches, the list is empty, not absent.
	quiet := call[roleplayContext](t, s, "get_context", map[string]any{"character": "Bram", "channel": "empty", "message": "hello"})
	if len(quiet.Lore) != 1 || quiet.Lore[0].EntryID != world.ID {
		t.Errorf("Bram's lore in an empty channel = %+v, want only the world constant", quiet.Lore)
	}
}

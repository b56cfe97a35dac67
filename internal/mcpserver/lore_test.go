package mcpserver

import (
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func TestLoreTools(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testLoreTools(t, testConfig(t)) })
	t.Run("postgres", func(t *testing.T) { testLoreTools(t, postgresConfig(t)) })
}

func testLoreTools(t *testing.T, cfg Config) {
	ts, _ := startServer(t, cfg)
	s := ts.session(t)
	aria := call[store.Character](t, s, "create_character", map[string]any{"name": "Aria"})

	// The first entry of an owner creates its book; the next goes into it.
	castle := call[store.LoreEntry](t, s, "add_lore_entry", map[string]any{
		"scope": "world", "content": "The castle has three towers.", "keys": []string{"castle", "/keeps?/i"},
		"secondary_keys": []string{"tower"}, "selective_logic": "and_all", "priority": 5, "position": "at_depth", "depth": 2,
	})
	if !castle.Enabled || !castle.Selective || castle.Logic == nil || *castle.Logic != 3 || castle.Entry().Position != 4 || *castle.Priority != 5 {
		t.Fatalf("added %+v", castle)
	}
	moat := call[store.LoreEntry](t, s, "add_lore_entry", map[string]any{"scope": "world", "content": "A moat.", "constant": true})
	if moat.BookID != castle.BookID || moat.Seq != 1 {
		t.Errorf("second world entry went to book %s at %d, want %s at 1", moat.BookID, moat.Seq, castle.BookID)
	}
	own := call[store.LoreEntry](t, s, "add_lore_entry", map[string]any{"scope": "character", "owner": "Aria", "content": "Aria fears the sea.", "keys": []string{"sea"}})
	tavern := call[store.LoreEntry](t, s, "add_lore_entry", map[string]any{"scope": "channel", "owner": "chan-9", "content": "The tavern is loud.", "keys": []string{"tavern"}})

	list := func(args map[string]any) loreList { return call[loreList](t, s, "list_lore", args) }
	if l := list(map[string]any{"scope": "world"}); len(l.Books) != 1 || len(l.Books[0].Entries) != 2 || l.Books[0].Entries[1].ID != moat.ID {
		t.Errorf("world lore = %+v", l)
	}
	// A character is addressed by name or ID.
	for _, owner := range []string{"Aria", aria.ID} {
		if l := list(map[string]any{"scope": "character", "owner": owner}); len(l.Books) != 1 || l.Books[0].OwnerID != aria.ID || l.Books[0].Entries[0].ID != own.ID {
			t.Errorf("character lore of %s = %+v", owner, l)
		}
	}
	if l := list(map[string]any{"scope": "channel", "owner": "chan-9"}); len(l.Books) != 1 || l.Books[0].Entries[0].ID != tavern.ID {
		t.Errorf("channel lore = %+v", l)
	}
	if l := list(map[string]any{"scope": "channel", "owner": "chan-other"}); len(l.Books) != 0 {
		t.Errorf("another channel's lore = %+v", l)
	}

	upd := call[store.LoreEntry](t, s, "update_lore_entry", map[string]any{"entry": castle.ID, "content": "Four towers now.", "enabled": false})
	if upd.Content != "Four towers now." || upd.Enabled || upd.Keys[0] != "castle" || *upd.Priority != 5 {
		t.Errorf("updated %+v, want only content and enabled changed", upd)
	}

	// Refusals name the argument, and change nothing.
	for _, tc := range []struct {
		tool string
		args map[string]any
		arg  string
	}{
		{"add_lore_entry", map[string]any{"scope": "world", "content": "x", "keys": []string{"/(?<=a)b/"}}, "keys"},
		{"add_lore_entry", map[string]any{"scope": "world", "content": "x", "keys": []string{"a"}, "secondary_keys": []string{"/(a/"}}, "secondary_keys"},
		{"add_lore_entry", map[string]any{"scope": "world", "content": "x", "keys": []string{"(a"}, "use_regex": true}, "keys"},
		{"add_lore_entry", map[string]any{"scope": "world", "content": "x"}, "keys"},
		{"add_lore_entry", map[string]any{"scope": "world", "keys": []string{"a"}}, "content"},
		{"add_lore_entry", map[string]any{"scope": "world", "owner": "Aria", "content": "x", "keys": []string{"a"}}, "owner"},
		{"add_lore_entry", map[string]any{"scope": "channel", "content": "x", "keys": []string{"a"}}, "owner"},
		{"add_lore_entry", map[string]any{"scope": "character", "owner": "Nobody", "content": "x", "keys": []string{"a"}}, "owner"},
		{"add_lore_entry", map[string]any{"scope": "galaxy", "content": "x", "keys": []string{"a"}}, "scope"},
		{"add_lore_entry", map[string]any{"scope": "world", "content": "x", "keys": []string{"a"}, "position": "outlet"}, "outlet"},
		{"add_lore_entry", map[string]any{"scope": "world", "content": "x", "keys": []string{"a"}, "selective_logic": "maybe"}, "selective_logic"},
		{"add_lore_entry", map[string]any{"scope": "channel", "owner": "chan-9", "book": castle.BookID, "content": "x", "keys": []string{"a"}}, "book"},
		{"update_lore_entry", map[string]any{"entry": castle.ID, "keys": []string{"/(a)\\1/"}}, "keys"},
		{"update_lore_entry", map[string]any{"entry": castle.ID}, "content"},
		{"update_lore_entry", map[string]any{"entry": "no-such-entry", "content": "x"}, "entry"},
		{"delete_lore_entry", map[string]any{"entry": "no-such-entry"}, "entry"},
		{"list_lore", map[string]any{"scope": "character"}, "owner"},
	} {
		msg := callFails(t, s, tc.tool, tc.args)
		if !strings.Contains(msg, `"`+tc.arg+`"`) && !strings.Contains(msg, "invalid "+tc.arg+":") && !strings.Contains(msg, "/properties/"+tc.arg+":") {
			t.Errorf("%s(%v): %q does not name %q", tc.tool, tc.args, msg, tc.arg)
		}
	}
	if l := list(map[string]any{"scope": "world"}); len(l.Books) != 1 || len(l.Books[0].Entries) != 2 || l.Books[0].Entries[0].Content != "Four towers now." {
		t.Errorf("refused calls changed the world lore: %+v", l)
	}

	del := call[deletedLoreEntry](t, s, "delete_lore_entry", map[string]any{"entry": moat.ID})
	if del.DeletedID != moat.ID || del.BookID != castle.BookID {
		t.Errorf("deleted %+v", del)
	}
	if l := list(map[string]any{"scope": "world"}); len(l.Books[0].Entries) != 1 {
		t.Errorf("after delete: %+v", l)
	}
	// Deleting the character deletes its own book, and nothing else.
	call[deletedCharacter](t, s, "delete_character", map[string]any{"character": "Aria"})
	if books, err := ts.store.ListLoreBooks(t.Context(), store.LoreBookFilter{Scope: store.LoreScopeCharacter}); err != nil || len(books) != 0 {
		t.Errorf("character books after delete = %+v, %v", books, err)
	}
	if l := list(map[string]any{"scope": "channel", "owner": "chan-9"}); len(l.Books) != 1 {
		t.Errorf("channel lore after deleting a character = %+v", l)
	}
}

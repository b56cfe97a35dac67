package mcpserver

import (
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// Names resolve through the cache, and renames and deletes made behind the
// server's back (another replica, charsimctl) never resolve to the wrong
// character.
func TestCharacterNameCache(t *testing.T) {
	ts, _ := startServer(t, testConfig(t))
	s := ts.session(t)
	ctx := t.Context()
	get := func(ref string) store.Character {
		t.Helper()
		return call[characterProfile](t, s, "get_character", map[string]any{"character": ref}).Character
	}

	first := call[store.Character](t, s, "create_character", map[string]any{"name": "Aria"})
	if got := get("Aria"); got.ID != first.ID {
		t.Fatalf("Aria resolved to %s, want %s", got.ID, first.ID)
	}
	if id, ok := ts.names.lookup("Aria"); !ok || id != first.ID {
		t.Fatalf("name cache holds %q (%v) for Aria, want %s", id, ok, first.ID)
	}
	if got := get("Aria"); got.ID != first.ID {
		t.Fatalf("Aria resolved from the cache to %s, want %s", got.ID, first.ID)
	}

	// Elsewhere: Aria becomes Bea and a new Aria appears.
	bea := "Bea"
	if _, err := ts.store.UpdateCharacter(ctx, first.ID, store.CharacterPatch{Name: &bea}); err != nil {
		t.Fatal(err)
	}
	second, err := ts.store.CreateCharacter(ctx, store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	if got := get("Aria"); got.ID != second.ID {
		t.Fatalf("after a rename elsewhere, Aria resolved to %s, want the new Aria %s", got.ID, second.ID)
	}
	if got := get("Bea"); got.ID != first.ID {
		t.Fatalf("Bea resolved to %s, want %s", got.ID, first.ID)
	}

	// Elsewhere: the new Aria is deleted.
	if err := ts.store.DeleteCharacter(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if msg := callFails(t, s, "get_character", map[string]any{"character": "Aria"}); !strings.Contains(msg, "character") {
		t.Fatalf("deleted Aria: error %q does not name the argument", msg)
	}

	// Through the server: rename and delete drop the old name at once.
	call[store.Character](t, s, "update_character", map[string]any{"character": "Bea", "name": "Cora"})
	if _, ok := ts.names.lookup("Bea"); ok {
		t.Error("the old name stays cached after update_character renamed it")
	}
	if got := get("Cora"); got.ID != first.ID {
		t.Fatalf("Cora resolved to %s, want %s", got.ID, first.ID)
	}
	call[deletedCharacter](t, s, "delete_character", map[string]any{"character": "Cora"})
	if _, ok := ts.names.lookup("Cora"); ok {
		t.Error("the name stays cached after delete_character")
	}
	callFails(t, s, "get_character", map[string]any{"character": "Cora"})
}

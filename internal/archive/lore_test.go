package archive

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// Cards and lore (format 1.1) round-trip with their bytes and kept JSON.
func TestRoundTripCardsAndLore(t *testing.T) {
	d := fixture()
	depth := 0
	d.Cards = []store.CharacterCard{{CharacterID: "c1", Format: "png", SpecVersion: "V2",
		Original: []byte{0x89, 'P', 'N', 'G', 0, 0xff}, Avatar: []byte{1, 2, 3}, ImportedAt: at(5)}}
	d.LoreBooks = []store.LoreBook{
		{ID: "b1", Name: "sea", Scope: store.LoreScopeCharacter, OwnerID: "c1", ScanDepth: &depth,
			Extensions: store.RawJSON{"k": json.RawMessage(`{"z":1.50,"a":"<&>"}`)}, CreatedAt: at(6), UpdatedAt: at(6)},
		{ID: "b2", Scope: store.LoreScopeChannel, OwnerID: "harbour", CreatedAt: at(7), UpdatedAt: at(7)},
	}
	d.LoreEntries = []store.LoreEntry{{ID: "e1", BookID: "b1", Content: "the sea is cold", Keys: []string{"sea", "/waves?/i"},
		Enabled: true, Extra: store.RawJSON{"probability": json.RawMessage(`100`)}, CreatedAt: at(8), UpdatedAt: at(8)}}

	a, err := Read(bytes.NewReader(write(t, fixtureHeader(), d)), ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	requireSameRows(t, a.Data, d)
	if got := a.Data.LoreBooks[0].Extensions["k"]; string(got) != `{"z":1.50,"a":"<&>"}` {
		t.Errorf("book extensions = %s, want the bytes written", got)
	}
	if !reflect.DeepEqual(a.Data.Cards[0].Original, d.Cards[0].Original) {
		t.Errorf("card bytes = %v", a.Data.Cards[0].Original)
	}
	if c := a.Header.Counts; c[KindCard] != 1 || c[KindLoreBook] != 2 || c[KindLoreEntry] != 1 {
		t.Errorf("header counts = %v", c)
	}

	// A lore entry with a key that does not compile is refused, on its line.
	d.LoreEntries[0].Keys = []string{"/(?<=a)b/"}
	_, err = Read(bytes.NewReader(write(t, fixtureHeader(), d)), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "keys") || !strings.Contains(err.Error(), "line ") {
		t.Errorf("Read of an entry with a broken key: %v, want an error naming the line and keys", err)
	}
}

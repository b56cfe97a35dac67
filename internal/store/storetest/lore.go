package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

var loreTests = []contractTest{
	{"CardPutGetReplace", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Seraphina")
		_, err := s.GetCharacterCard(ctx, c.ID)
		requireIs(t, err, store.ErrNotFound)
		// Bytes that are not UTF-8 must come back unchanged (BLOB/BYTEA).
		orig := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe}
		put := must(s.PutCharacterCard(ctx, store.CharacterCard{CharacterID: c.ID, Format: "png", SpecVersion: "V2",
			Original: orig, Avatar: []byte{1, 2, 3}, ImportedAt: at(0)}))(t)
		got := must(s.GetCharacterCard(ctx, c.ID))(t)
		if !reflect.DeepEqual(got, put) || !bytes.Equal(got.Original, orig) || got.ImportedAt != stored(at(0)) {
			t.Fatalf("GetCharacterCard = %+v, want %+v", got, put)
		}
		// A second put replaces the first; no avatar reads back as nil.
		must(s.PutCharacterCard(ctx, store.CharacterCard{CharacterID: c.ID, Format: "json", Original: []byte(`{}`)}))(t)
		got = must(s.GetCharacterCard(ctx, c.ID))(t)
		if got.Format != "json" || string(got.Original) != `{}` || got.Avatar != nil {
			t.Fatalf("after replace: %+v", got)
		}
		_, err = s.PutCharacterCard(ctx, store.CharacterCard{CharacterID: c.ID, Format: "gif", Original: []byte("x")})
		requireInvalid(t, err, "format")
		_, err = s.PutCharacterCard(ctx, store.CharacterCard{CharacterID: c.ID, Format: "json"})
		requireInvalid(t, err, "original")
		_, err = s.PutCharacterCard(ctx, store.CharacterCard{CharacterID: "nobody", Format: "json", Original: []byte("{}")})
		requireIs(t, err, store.ErrNotFound)
	}},
	{"LoreBookCRUDAndScopes", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		c := newCharacter(t, s, "Aria")
		ext := store.RawJSON{"chub": json.RawMessage(`{"z":1,"a":[1.50,"<&>"]}`)}
		own := must(s.CreateLoreBook(ctx, store.LoreBook{Name: "Aria's book", Scope: store.LoreScopeCharacter, OwnerID: c.ID,
			ScanDepth: intp(0), TokenBudget: intp(512), RecursiveScanning: boolp(false), MaxRecursionSteps: 3,
			Extensions: ext, Extra: store.RawJSON{"x_future": json.RawMessage(`true`)}}))(t)
		world := must(s.CreateLoreBook(ctx, store.LoreBook{Name: "World", Scope: store.LoreScopeWorld}))(t)
		channel := must(s.CreateLoreBook(ctx, store.LoreBook{Scope: store.LoreScopeChannel, OwnerID: "chan-1"}))(t)

		got := must(s.GetLoreBook(ctx, own.ID))(t)
		if !reflect.DeepEqual(got, own) {
			t.Fatalf("GetLoreBook = %+v, want %+v", got, own)
		}
		// Kept byte for byte: key order, number spelling and <&> unescaped.
		if string(got.Extensions["chub"]) != `{"z":1,"a":[1.50,"<&>"]}` {
			t.Fatalf("extensions = %s, want the bytes stored", got.Extensions["chub"])
		}
		// Zero and unset are different things.
		if got.ScanDepth == nil || *got.ScanDepth != 0 || got.RecursiveScanning == nil || *got.RecursiveScanning {
			t.Fatalf("set zero values were lost: %+v", got)
		}
		if w := must(s.GetLoreBook(ctx, world.ID))(t); w.ScanDepth != nil || w.TokenBudget != nil || w.RecursiveScanning != nil {
			t.Fatalf("unset values read back set: %+v", w)
		}

		ids := func(f store.LoreBookFilter) []string {
			t.Helper()
			var out []string
			for _, b := range must(s.ListLoreBooks(ctx, f))(t) {
				out = append(out, b.ID)
			}
			return out
		}
		if got := ids(store.LoreBookFilter{Scope: store.LoreScopeCharacter, OwnerID: c.ID}); !reflect.DeepEqual(got, []string{own.ID}) {
			t.Fatalf("character books = %v", got)
		}
		if got := ids(store.LoreBookFilter{Scope: store.LoreScopeWorld}); !reflect.DeepEqual(got, []string{world.ID}) {
			t.Fatalf("world books = %v", got)
		}
		if got := ids(store.LoreBookFilter{Scope: store.LoreScopeChannel, OwnerID: "chan-2"}); got != nil {
			t.Fatalf("books of another channel = %v", got)
		}
		if got := ids(store.LoreBookFilter{}); len(got) != 3 {
			t.Fatalf("all books = %v", got)
		}

		upd := must(s.UpdateLoreBook(ctx, channel.ID, func(b *store.LoreBook) error {
			b.Name, b.ScanDepth = "Tavern", intp(5)
			return nil
		}))(t)
		if upd.Name != "Tavern" || *upd.ScanDepth != 5 || !reflect.DeepEqual(must(s.GetLoreBook(ctx, channel.ID))(t), upd) {
			t.Fatalf("UpdateLoreBook = %+v", upd)
		}
		// An update that fails validation changes nothing.
		_, err := s.UpdateLoreBook(ctx, channel.ID, func(b *store.LoreBook) error { b.OwnerID = ""; return nil })
		requireInvalid(t, err, "owner_id")
		sentinel := errors.New("refused")
		_, err = s.UpdateLoreBook(ctx, channel.ID, func(b *store.LoreBook) error { b.Name = "x"; return sentinel })
		requireIs(t, err, sentinel)
		if b := must(s.GetLoreBook(ctx, channel.ID))(t); b.Name != "Tavern" {
			t.Fatalf("failed updates changed the book: %+v", b)
		}

		for _, tc := range []struct {
			b     store.LoreBook
			field string
		}{
			{store.LoreBook{Scope: "galaxy"}, "scope"},
			{store.LoreBook{Scope: store.LoreScopeWorld, OwnerID: c.ID}, "owner_id"},
			{store.LoreBook{Scope: store.LoreScopeChannel}, "owner_id"},
			{store.LoreBook{Scope: store.LoreScopeCharacter, OwnerID: "no-such-character"}, "owner_id"},
			{store.LoreBook{Scope: store.LoreScopeWorld, ScanDepth: intp(-1)}, "scan_depth"},
			{store.LoreBook{Scope: store.LoreScopeWorld, TokenBudget: intp(-1)}, "token_budget"},
			{store.LoreBook{Scope: store.LoreScopeWorld, Extensions: store.RawJSON{"a": json.RawMessage(`{`)}}, "extensions"},
		} {
			_, err := s.CreateLoreBook(ctx, tc.b)
			requireInvalid(t, err, tc.field)
		}
		if got := ids(store.LoreBookFilter{}); len(got) != 3 {
			t.Fatalf("refused books were stored: %v", got)
		}

		noErr(t, s.DeleteLoreBook(ctx, world.ID))
		_, err = s.GetLoreBook(ctx, world.ID)
		requireIs(t, err, store.ErrNotFound)
		requireIs(t, s.DeleteLoreBook(ctx, world.ID), store.ErrNotFound)
	}},
	{"LoreEntryCRUD", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		book := must(s.CreateLoreBook(ctx, store.LoreBook{Name: "World", Scope: store.LoreScopeWorld}))(t)
		full := store.LoreEntry{
			BookID: book.ID, EntryID: "7", EntryIDNumeric: true, Name: "castle", Comment: "the keep",
			Content: "The castle of {{char}} has <three> towers & a moat.", Keys: []string{"castle", "/keep(s)?/i"},
			SecondaryKeys: []string{"tower"}, Selective: true, Logic: intp(3), CaseSensitive: boolp(false),
			WholeWords: true, Constant: false, Enabled: true, InsertionOrder: 100, Priority: intp(0),
			Position: "at_depth", Depth: 2, Role: 1, ScanDepth: intp(4), ExcludeRecursion: true,
			PreventRecursion: true, DelayUntilRecursion: true,
			Extensions: store.RawJSON{"depth": json.RawMessage(`2`), "weird": json.RawMessage(`{"b":1e3,"a":null}`)},
			Extra:      store.RawJSON{"probability": json.RawMessage(`100`)},
		}
		first := must(s.CreateLoreEntry(ctx, full))(t)
		second := must(s.CreateLoreEntry(ctx, store.LoreEntry{BookID: book.ID, Content: "plain", Keys: []string{"x"}}))(t)
		if first.Seq != 0 || second.Seq != 1 {
			t.Fatalf("seq = %d, %d; want 0, 1", first.Seq, second.Seq)
		}
		got := must(s.GetLoreEntry(ctx, first.ID))(t)
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("GetLoreEntry =\n%+v\nwant\n%+v", got, first)
		}
		if string(got.Extensions["weird"]) != `{"b":1e3,"a":null}` {
			t.Fatalf("extensions = %s", got.Extensions["weird"])
		}
		// Unset optional fields stay unset, and the engine form gets the defaults.
		plain := must(s.GetLoreEntry(ctx, second.ID))(t)
		if plain.Logic != nil || plain.CaseSensitive != nil || plain.Priority != nil || plain.ScanDepth != nil || plain.Enabled {
			t.Fatalf("unset fields read back set: %+v", plain)
		}
		if le := got.Entry(); le.Logic != 3 || le.Position != 4 || le.Depth != 2 || le.ID != "7" || !le.WholeWords || le.Priority != 0 {
			t.Fatalf("Entry() = %+v", le)
		}

		// A card entry that names no position goes where SillyTavern's
		// extensions.position says; a named one where it says.
		for _, tc := range []struct {
			position string
			ext      store.RawJSON
			want     int
		}{
			{"", nil, 0},
			{"", store.RawJSON{"position": json.RawMessage(`4`)}, 4},
			{"", store.RawJSON{"position": json.RawMessage(`99`)}, 0},
			{"after_char", store.RawJSON{"position": json.RawMessage(`4`)}, 1},
		} {
			if got := (store.LoreEntry{Position: tc.position, Extensions: tc.ext}).Entry().Position; int(got) != tc.want {
				t.Errorf("position %q with %v = %d, want %d", tc.position, tc.ext, got, tc.want)
			}
		}

		list := must(s.ListLoreEntries(ctx, book.ID))(t)
		if len(list) != 2 || list[0].ID != first.ID || list[1].ID != second.ID {
			t.Fatalf("ListLoreEntries = %+v", list)
		}
		_, err := s.ListLoreEntries(ctx, "no-such-book")
		requireIs(t, err, store.ErrNotFound)

		upd := must(s.UpdateLoreEntry(ctx, second.ID, func(e *store.LoreEntry) error {
			e.Content, e.Keys, e.Enabled, e.Seq, e.BookID = "changed", []string{"y", "z"}, true, 99, "elsewhere"
			return nil
		}))(t)
		if upd.Content != "changed" || upd.Seq != 1 || upd.BookID != book.ID || !upd.Enabled {
			t.Fatalf("UpdateLoreEntry = %+v", upd)
		}
		if got := must(s.GetLoreEntry(ctx, second.ID))(t); !reflect.DeepEqual(got, upd) {
			t.Fatalf("after update: %+v, want %+v", got, upd)
		}

		// The engine's validation: keys that do not compile are refused,
		// naming the field, and nothing is stored.
		for _, tc := range []struct {
			e     store.LoreEntry
			field string
		}{
			{store.LoreEntry{BookID: book.ID, Keys: []string{"/(?<=a)b/"}}, "keys"},
			{store.LoreEntry{BookID: book.ID, Keys: []string{"ok"}, SecondaryKeys: []string{"/a(/"}}, "secondary_keys"},
			{store.LoreEntry{BookID: book.ID, UseRegex: true, Keys: []string{"(unclosed"}}, "keys"},
			{store.LoreEntry{BookID: book.ID, Logic: intp(9)}, "logic"},
			{store.LoreEntry{BookID: book.ID, Role: 7}, "role"},
			{store.LoreEntry{BookID: book.ID, Depth: -1}, "depth"},
			{store.LoreEntry{BookID: book.ID, Position: "sideways"}, "position"},
			{store.LoreEntry{BookID: book.ID, Position: "outlet"}, "outlet"},
			{store.LoreEntry{BookID: book.ID, ScanDepth: intp(-2)}, "scan_depth"},
			{store.LoreEntry{}, "book_id"},
		} {
			_, err := s.CreateLoreEntry(ctx, tc.e)
			requireInvalid(t, err, tc.field)
		}
		_, err = s.UpdateLoreEntry(ctx, second.ID, func(e *store.LoreEntry) error { e.Keys = []string{"/(a)\\1/"}; return nil })
		requireInvalid(t, err, "keys")
		_, err = s.CreateLoreEntry(ctx, store.LoreEntry{BookID: "no-such-book", Content: "x"})
		requireIs(t, err, store.ErrNotFound)
		if list := must(s.ListLoreEntries(ctx, book.ID))(t); len(list) != 2 || list[1].Content != "changed" {
			t.Fatalf("refused entries changed the book: %+v", list)
		}

		noErr(t, s.DeleteLoreEntry(ctx, first.ID))
		requireIs(t, s.DeleteLoreEntry(ctx, first.ID), store.ErrNotFound)
		// Deleting the book deletes its entries.
		noErr(t, s.DeleteLoreBook(ctx, book.ID))
		_, err = s.GetLoreEntry(ctx, second.ID)
		requireIs(t, err, store.ErrNotFound)
	}},
	{"ImportCharacterCardIsAtomic", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		in := store.CardImport{
			Character: store.Character{Name: "Mira", Personality: "wry"},
			Card:      store.CharacterCard{Format: "json", SpecVersion: "V2", Original: []byte(`{"spec":"chara_card_v2"}`)},
			Book:      &store.LoreBook{Name: "Mira's lore", Scope: store.LoreScopeWorld},
			Entries: []store.LoreEntry{
				{Content: "one", Keys: []string{"a"}, Enabled: true},
				{Content: "two", Keys: []string{"b"}, Enabled: true},
			},
		}
		// A bad second entry: nothing at all is stored.
		bad := in
		bad.Entries = []store.LoreEntry{in.Entries[0], {Content: "bad", Keys: []string{"/(?!x)/"}}}
		_, err := s.ImportCharacterCard(ctx, bad)
		requireInvalid(t, err, "entries[1].keys")
		if c := count(t, s); c.Characters != 0 {
			t.Fatalf("a refused import left %+v", c)
		}
		if bs := must(s.ListLoreBooks(ctx, store.LoreBookFilter{}))(t); len(bs) != 0 {
			t.Fatalf("a refused import left books %+v", bs)
		}

		out := must(s.ImportCharacterCard(ctx, in))(t)
		if out.Book.Scope != store.LoreScopeCharacter || out.Book.OwnerID != out.Character.ID || len(out.Entries) != 2 {
			t.Fatalf("ImportCharacterCard = %+v", out)
		}
		if got := must(s.GetCharacterCard(ctx, out.Character.ID))(t); string(got.Original) != `{"spec":"chara_card_v2"}` {
			t.Fatalf("stored card = %+v", got)
		}
		entries := must(s.ListLoreEntries(ctx, out.Book.ID))(t)
		if len(entries) != 2 || entries[0].Content != "one" || entries[1].Content != "two" {
			t.Fatalf("entries = %+v", entries)
		}
		// The name is unique across imports too.
		_, err = s.ImportCharacterCard(ctx, in)
		requireIs(t, err, store.ErrConflict)

		// Deleting the character deletes its card and its own books, and
		// leaves other books alone.
		world := must(s.CreateLoreBook(ctx, store.LoreBook{Scope: store.LoreScopeWorld}))(t)
		noErr(t, s.DeleteCharacter(ctx, out.Character.ID))
		_, err = s.GetCharacterCard(ctx, out.Character.ID)
		requireIs(t, err, store.ErrNotFound)
		_, err = s.GetLoreBook(ctx, out.Book.ID)
		requireIs(t, err, store.ErrNotFound)
		_, err = s.GetLoreEntry(ctx, entries[0].ID)
		requireIs(t, err, store.ErrNotFound)
		must(s.GetLoreBook(ctx, world.ID))(t)
	}},
}

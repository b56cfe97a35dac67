package storetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// populate fills s with at least one row of every table.
func populate(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	a := must(s.CreateCharacter(ctx, store.Character{Name: "Aria", Goals: []string{"sail"}, CreatedAt: at(0)}))(t)
	b := must(s.CreateCharacter(ctx, store.Character{Name: "Bram", CreatedAt: at(1)}))(t)
	must(s.UpdateCharacterState(ctx, a.ID, store.StatePatch{Emotion: ptr("calm"), Inventory: ptr([]string{"rope"})}))(t)
	must(s.UpdateRelationship(ctx, a.ID, b.ID, store.RelationshipChange{AffinityDelta: 0.4, TrustDelta: 0.2, Reason: "crewmate", At: at(2)}))(t)
	must(s.UpdateRelationship(ctx, a.ID, "u1", store.RelationshipChange{TrustDelta: -0.1, Reason: "rude", At: at(3)}))(t)
	must(s.CreateMemoryWithVector(ctx, store.Memory{CharacterID: a.ID, UserID: "u1", ChannelID: "ch", Kind: store.KindEpisodic,
		Text: "the user was rude", Importance: 4, Tags: []string{"u1"}, OccurredAt: at(-100), CreatedAt: at(4)}, []float32{0.1, 0.2, 0.3}))(t)
	must(s.CreateMemory(ctx, store.Memory{CharacterID: b.ID, Kind: store.KindSemantic, Text: "knots", Importance: 2, CreatedAt: at(5)}))(t)
	events := addEvents(t, s, "ch", "", "start", "middle")
	must(s.BranchTimeline(ctx, events[0].ID, "alt"))(t)
	addEvents(t, s, "ch", "alt", "alternative")
	must(s.LogMessage(ctx, store.Message{CharacterID: a.ID, ChannelID: "ch", UserID: "u1", Role: store.RoleUser, Content: "hey", CreatedAt: at(6)}))(t)
	must(s.LogMessage(ctx, store.Message{CharacterID: a.ID, ChannelID: "ch", Role: store.RoleAssistant, Content: "ahoy", CreatedAt: at(7)}))(t)
	must(s.PutCharacterCard(ctx, store.CharacterCard{CharacterID: a.ID, Format: "png", SpecVersion: "V3",
		Original: []byte{0x89, 'P', 'N', 'G', 0xff}, Avatar: []byte{1, 2}, ImportedAt: at(8)}))(t)
	own := must(s.CreateLoreBook(ctx, store.LoreBook{Name: "sea", Scope: store.LoreScopeCharacter, OwnerID: a.ID,
		ScanDepth: intp(0), Extensions: store.RawJSON{"k": []byte(`{"z":1.50}`)}, CreatedAt: at(9)}))(t)
	must(s.CreateLoreBook(ctx, store.LoreBook{Scope: store.LoreScopeWorld, CreatedAt: at(10)}))(t)
	must(s.CreateLoreEntry(ctx, store.LoreEntry{BookID: own.ID, Content: "the sea is cold", Keys: []string{"sea"},
		Logic: intp(2), Enabled: true, Extra: store.RawJSON{"probability": []byte(`100`)}, CreatedAt: at(11)}))(t)
	must(s.CreateLoreEntry(ctx, store.LoreEntry{BookID: own.ID, Content: "storms", Constant: true, CreatedAt: at(12)}))(t)
	must(s.SetPersona(ctx, store.Persona{UserID: "u1", Name: "Mia", Description: "a cargo pilot", UpdatedAt: at(13)}))(t)
	must(s.SetPersona(ctx, store.Persona{UserID: "u0", Name: "Sam", UpdatedAt: at(14)}))(t)
}

var transferTests = []contractTest{
	{"ExportImportRoundTrip", func(t *testing.T, open Opener) {
		src := open(t)
		populate(t, src)
		want := count(t, src)
		if want.Characters != 2 || want.States != 1 || want.Relationships != 2 || want.Memories != 2 ||
			want.Vectors != 1 || want.Events != 3 || want.Branches != 2 || want.Messages != 2 ||
			want.Cards != 1 || want.LoreBooks != 2 || want.LoreEntries != 2 || want.Personas != 2 {
			t.Fatalf("Count after populate = %+v", want)
		}
		d := must(src.Export(t.Context()))(t)
		if got := d.Memories[0]; !got.OccurredAt.Equal(stored(at(-100))) || !got.CreatedAt.Equal(stored(at(4))) {
			t.Fatalf("exported memory happened %v, stored %v; want %v, %v", got.OccurredAt, got.CreatedAt, stored(at(-100)), stored(at(4)))
		}

		dst := open(t)
		inserted := must(dst.Import(t.Context(), d))(t)
		if inserted != want {
			t.Fatalf("Import inserted %+v, want %+v", inserted, want)
		}
		if got := count(t, dst); got != want {
			t.Fatalf("Count after import = %+v, want %+v", got, want)
		}
		again := must(dst.Export(t.Context()))(t)
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("export of the imported store differs:\n got %+v\nwant %+v", again, d)
		}
		// The imported store works like the original: timelines walk the same chains.
		if got, want := timeline(t, dst, "ch", "alt", 0), timeline(t, src, "ch", "alt", 0); !reflect.DeepEqual(got, want) {
			t.Fatalf("imported alt timeline = %v, want %v", got, want)
		}
		// Import is idempotent, also into the store the data came from.
		if n := must(dst.Import(t.Context(), d))(t); n != (store.Counts{}) {
			t.Fatalf("second Import inserted %+v, want nothing", n)
		}
		if n := must(src.Import(t.Context(), d))(t); n != (store.Counts{}) {
			t.Fatalf("Import into the source inserted %+v, want nothing", n)
		}
		if got := count(t, dst); got != want {
			t.Fatalf("Count after re-import = %+v, want %+v", got, want)
		}
	}},
	{"ImportPartlyPresent", func(t *testing.T, open Opener) {
		src := open(t)
		populate(t, src)
		d := must(src.Export(t.Context()))(t)
		dst := open(t)
		part := &store.Dataset{Characters: d.Characters[:1]}
		if n := must(dst.Import(t.Context(), part))(t); n.Characters != 1 {
			t.Fatalf("partial Import = %+v", n)
		}
		n := must(dst.Import(t.Context(), d))(t)
		want := count(t, src)
		want.Characters--
		if n != want {
			t.Fatalf("Import after a partial one inserted %+v, want %+v", n, want)
		}
	}},
	{"ImportValidatesAndIsAtomic", func(t *testing.T, open Opener) {
		src := open(t)
		populate(t, src)
		d := must(src.Export(t.Context()))(t)
		dst := open(t)

		bad := *d
		bad.Memories = append([]store.Memory(nil), d.Memories...)
		bad.Memories[1].Importance = 0
		_, err := dst.Import(t.Context(), &bad)
		requireInvalid(t, err, "memories[1].importance")

		bad = *d
		bad.Characters = append([]store.Character(nil), d.Characters...)
		bad.Characters[0].ID = ""
		_, err = dst.Import(t.Context(), &bad)
		requireInvalid(t, err, "characters[0].id")

		// A memory of a character that is in neither the dataset nor the store:
		// nothing of the dataset may be written.
		bad = *d
		bad.Memories = append([]store.Memory(nil), d.Memories...)
		bad.Memories[0].CharacterID = "ghost"
		_, err = dst.Import(t.Context(), &bad)
		requireInvalid(t, err, "memories[0].character_id")

		// Lore is checked like the rest: keys that do not compile, and a
		// character book of a character that is nowhere.
		bad = *d
		bad.LoreEntries = append([]store.LoreEntry(nil), d.LoreEntries...)
		bad.LoreEntries[0].Keys = []string{"/(?<=a)b/"}
		_, err = dst.Import(t.Context(), &bad)
		requireInvalid(t, err, "lore_entries[0].keys")
		bad = *d
		bad.LoreBooks = append([]store.LoreBook(nil), d.LoreBooks...)
		for i := range bad.LoreBooks {
			if bad.LoreBooks[i].Scope == store.LoreScopeCharacter {
				bad.LoreBooks[i].OwnerID = "ghost"
			}
		}
		_, err = dst.Import(t.Context(), &bad)
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "owner_id") {
			t.Fatalf("Import of a book of a missing character: %v, want ErrInvalid naming owner_id", err)
		}

		// An event whose parent is missing fails at commit.
		bad = *d
		bad.Events = append([]store.TimelineEvent(nil), d.Events...)
		bad.Events[1].ParentID = "ghost"
		_, err = dst.Import(t.Context(), &bad)
		if err == nil {
			t.Fatal("Import of an event with a missing parent succeeded")
		}
		if got := count(t, dst); got != (store.Counts{}) {
			t.Fatalf("failed imports left rows behind: %+v", got)
		}
		_, err = dst.Import(t.Context(), nil)
		requireInvalid(t, err, "dataset")
		// The store still works after the failed transactions.
		if n := must(dst.Import(t.Context(), d))(t); n != count(t, src) {
			t.Fatalf("Import after failures inserted %+v", n)
		}
	}},
}

package ctl

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// result is what one charsimctl invocation printed and returned.
type result struct {
	stdout, stderr string
	err            error
}

// run runs charsimctl in-process with args.
func run(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Run(t.Context(), args, &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// mustRun runs charsimctl and fails the test when it fails.
func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.err != nil {
		t.Fatalf("charsimctl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r
}

// openStore opens the store at url (or SQLite in dataDir) and closes it when the test ends.
func openTestStore(t *testing.T, url, dataDir string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), url, dataDir)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// must returns v, or fails the test on err: must(f())(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }

// at is a fixed time with sub-microsecond digits, to prove that migrated
// timestamps survive the trip between backends.
func at(minutes int) time.Time {
	return time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

// memoryTexts are what the fixture's first character remembers.
var memoryTexts = []string{
	"Sam's sister Mia flies cargo planes across the northern sea",
	"the lighthouse keeper owes Aria three silver coins",
	"Aria promised to teach Sam how to tie a bowline knot",
}

// populate fills st with rows of every table: two characters, memories with
// vectors (through the memory service and its builtin embedder), a state,
// relationships with history, messages, and a timeline with a branch whose
// event is older than its parent (which only a parent-first copy can import
// in small batches).
func populate(ctx context.Context, t *testing.T, st store.Store) {
	t.Helper()
	emb := must(memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension))(t)
	svc := must(memory.NewService(ctx, st, memory.NewEmbeddedStore(st), emb, memory.DefaultWeights))(t)
	defer svc.Close()

	aria := must(st.CreateCharacter(ctx, store.Character{Name: "Aria", Personality: "bold", Goals: []string{"sail north"}, CreatedAt: at(0)}))(t)
	bram := must(st.CreateCharacter(ctx, store.Character{Name: "Bram", CreatedAt: at(1)}))(t)
	for i, text := range memoryTexts {
		must(svc.Remember(ctx, store.Memory{CharacterID: aria.ID, UserID: "sam", ChannelID: "harbor", Kind: store.KindEpisodic,
			Text: text, Importance: 3 + i, Tags: []string{"sam"}, CreatedAt: at(10 + i)}))(t)
	}
	must(svc.Remember(ctx, store.Memory{CharacterID: bram.ID, Kind: store.KindSemantic, Text: "knots hold better when wet", Importance: 2, CreatedAt: at(20)}))(t)
	must(st.UpdateCharacterState(ctx, aria.ID, store.StatePatch{Emotion: ptr("hopeful"), Energy: ptr(70), Location: ptr("harbor"), Inventory: ptr([]string{"rope", "map"})}))(t)
	must(st.UpdateRelationship(ctx, aria.ID, bram.ID, store.RelationshipChange{AffinityDelta: 0.3, TrustDelta: 0.1, Reason: "crewmate", At: at(30)}))(t)
	must(st.UpdateRelationship(ctx, aria.ID, bram.ID, store.RelationshipChange{TrustDelta: 0.2, Reason: "kept a secret", At: at(31)}))(t)
	must(st.UpdateRelationship(ctx, aria.ID, "sam", store.RelationshipChange{AffinityDelta: 0.5, Reason: "shared a meal", At: at(32)}))(t)

	var main []store.TimelineEvent
	for i, desc := range []string{"the ship leaves port", "a storm rises", "the mast breaks"} {
		main = append(main, must(st.AddEvent(ctx, store.TimelineEvent{ChannelID: "harbor", CharacterID: aria.ID,
			Type: store.EventPlotPoint, Description: desc, Impact: 5, Participants: []string{"sam"}, CreatedAt: at(40 + i)}))(t))
	}
	must(st.BranchTimeline(ctx, main[1].ID, "calm-seas"))(t)
	must(st.AddEvent(ctx, store.TimelineEvent{ChannelID: "harbor", Branch: "calm-seas", Type: store.EventDecision,
		Description: "they wait out the storm in a cove", Impact: 3, CreatedAt: at(35)}))(t)
	must(st.AddEvent(ctx, store.TimelineEvent{ChannelID: "harbor", Branch: "calm-seas", Type: store.EventDialogue,
		Description: "Bram tells a story", Impact: 1, CreatedAt: at(36)}))(t)

	must(st.LogMessage(ctx, store.Message{CharacterID: aria.ID, ChannelID: "harbor", UserID: "sam", Role: store.RoleUser, Content: "where to?", CreatedAt: at(50)}))(t)
	must(st.LogMessage(ctx, store.Message{CharacterID: aria.ID, ChannelID: "harbor", Role: store.RoleAssistant, Content: "north!", CreatedAt: at(51)}))(t)

	// What came with cards: Aria's original card and her lore book, a
	// world book, and the users' personas.
	must(st.PutCharacterCard(ctx, store.CharacterCard{CharacterID: aria.ID, Format: "json", SpecVersion: "V2",
		Original: []byte(`{"spec":"chara_card_v2","data":{"name":"Aria","extensions":{"x":1.50}}}`), ImportedAt: at(60)}))(t)
	own := must(st.CreateLoreBook(ctx, store.LoreBook{Name: "harbor lore", Scope: store.LoreScopeCharacter, OwnerID: aria.ID,
		Extensions: store.RawJSON{"k": []byte(`{"z":1.50}`)}, CreatedAt: at(61)}))(t)
	must(st.CreateLoreEntry(ctx, store.LoreEntry{BookID: own.ID, Content: "the harbor freezes in winter", Keys: []string{"harbor"},
		Enabled: true, CreatedAt: at(62)}))(t)
	must(st.CreateLoreBook(ctx, store.LoreBook{Name: "the north", Scope: store.LoreScopeWorld, CreatedAt: at(63)}))(t)
	must(st.SetPersona(ctx, store.Persona{UserID: "sam", Name: "Sam the Bold", Description: "a deckhand", UpdatedAt: at(64)}))(t)
	must(st.SetPersona(ctx, store.Persona{UserID: "mia", Name: "Mia", UpdatedAt: at(65)}))(t)
}

// newSQLiteSource writes the fixture into a new SQLite file and returns its path.
func newSQLiteSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "source.db")
	st, err := store.Open(t.Context(), "sqlite://"+path, "")
	if err != nil {
		t.Fatalf("open source: %v", err)
	}
	defer st.Close()
	populate(t.Context(), t, st)
	return path
}

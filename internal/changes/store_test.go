package changes

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
)

func openSQLite(t *testing.T, dir string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// next waits for the next notice.
func next(t *testing.T, sub *Subscription) Change {
	t.Helper()
	select {
	case c := <-sub.C():
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no notice within 5s")
		return Change{}
	}
}

// quiet fails if a notice arrives within d.
func quiet(t *testing.T, sub *Subscription, d time.Duration) {
	t.Helper()
	select {
	case c := <-sub.C():
		t.Fatalf("unexpected notice %+v", c)
	case <-time.After(d):
	}
}

func TestStorePublishesEachWrite(t *testing.T) {
	ctx := t.Context()
	feed := NewFeed()
	st := NewStore(openSQLite(t, t.TempDir()), feed)
	sub := feed.Subscribe()
	defer sub.Close()

	c, err := st.CreateCharacter(ctx, store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	character := Change{Kind: Character, CharacterID: c.ID}
	if got := next(t, sub); got != character {
		t.Fatalf("create character: got %+v, want %+v", got, character)
	}
	m, err := st.CreateMemory(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindSemantic, Text: "likes tea", Importance: 5})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := st.AddEvent(ctx, store.TimelineEvent{ChannelID: "ch1", Type: store.EventDialogue, Description: "hello", Impact: 1})
	if err != nil {
		t.Fatal(err)
	}
	timeline := Change{Kind: Timeline, ChannelID: "ch1"}
	steps := []struct {
		name  string
		write func() error
		want  Change
	}{
		{"update character", func() error {
			bg := "a sailor"
			_, err := st.UpdateCharacter(ctx, c.ID, store.CharacterPatch{Background: &bg})
			return err
		}, character},
		{"update state", func() error {
			e := "happy"
			_, err := st.UpdateCharacterState(ctx, c.ID, store.StatePatch{Emotion: &e})
			return err
		}, character},
		{"update relationship", func() error {
			_, err := st.UpdateRelationship(ctx, c.ID, "u1", store.RelationshipChange{AffinityDelta: 0.1, Reason: "kind"})
			return err
		}, character},
		{"update memory", func() error {
			imp := 7
			_, err := st.UpdateMemory(ctx, m.ID, store.MemoryPatch{Importance: &imp})
			return err
		}, character},
		{"delete memory", func() error { return st.DeleteMemory(ctx, m.ID) }, character},
		{"branch", func() error { _, err := st.BranchTimeline(ctx, ev.ID, "what-if"); return err }, timeline},
		{"forget user", func() error { _, err := st.ForgetUser(ctx, "u1"); return err }, Change{Kind: Everything}},
		{"delete character", func() error { return st.DeleteCharacter(ctx, c.ID) }, character},
	}
	if got := next(t, sub); got != character {
		t.Fatalf("create memory: got %+v, want %+v", got, character)
	}
	if got := next(t, sub); got != timeline {
		t.Fatalf("add event: got %+v, want %+v", got, timeline)
	}
	for _, step := range steps {
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := next(t, sub); got != step.want {
			t.Fatalf("%s: got %+v, want %+v", step.name, got, step.want)
		}
	}

	// A failed write announces nothing.
	if err := st.DeleteCharacter(ctx, "no-such-character"); err == nil {
		t.Fatal("deleting an unknown character succeeded")
	}
	quiet(t, sub, 100*time.Millisecond)
}

// TestEveryWriteIsPublished fails when store.Store gains a method that this
// package neither overrides nor lists as one that announces nothing, so a
// new write cannot silently bypass the feed.
func TestEveryWriteIsPublished(t *testing.T) {
	silent := map[string]string{
		"RecentMessages": "read", "Timeline": "read", "ChannelEvents": "read", "ScanVectors": "read", "LastVectorChange": "read",
		"VectorChanges": "read", "Export": "read", "Count": "read", "Ping": "read", "Backend": "read", "Close": "lifecycle",
		"TouchMemories": "access times are no resource", "LogMessage": "messages are no resource",
		"UpsertVectors": "vectors only (re-embedding)", "DeleteVectors": "vectors only", "PruneVectorChanges": "log upkeep",
		"SetMeta":        "store facts",
		"CreateLoreBook": "lore is no resource", "UpdateLoreBook": "lore", "DeleteLoreBook": "lore",
		"CreateLoreEntry": "lore", "UpdateLoreEntry": "lore", "DeleteLoreEntry": "lore",
		"SetPersona": "personas are no resource", "DeletePersona": "personas",
	}
	overridden := declaredMethods(t, "Store")
	iface := reflect.TypeFor[store.Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		if overridden[name] || silent[name] != "" || strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") {
			continue
		}
		t.Errorf("store.Store.%s is neither published by changes.Store nor listed as silent in this test", name)
	}
}

// declaredMethods lists the methods this package declares on *recv.
func declaredMethods(t *testing.T, recv string) map[string]bool {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string]bool)
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv == nil {
					continue
				}
				if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
					if id, ok := star.X.(*ast.Ident); ok && id.Name == recv {
						names[fn.Name.Name] = true
					}
				}
			}
		}
	}
	return names
}

// TestFollowAnnouncesOtherProcesses writes through a second handle on the
// same SQLite file, as another process would, and through the followed
// handle itself, whose write must not be announced twice.
func TestFollowAnnouncesOtherProcesses(t *testing.T) {
	dir := t.TempDir()
	feed := NewFeed()
	ours := NewStore(openSQLite(t, dir), feed)
	theirs := openSQLite(t, dir)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { ours.Follow(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	c, err := theirs.CreateCharacter(t.Context(), store.Character{Name: "Mira"})
	if err != nil {
		t.Fatal(err)
	}
	sub := feed.Subscribe()
	defer sub.Close()
	time.Sleep(FollowInterval / 2) // Follow has read the log's start
	m, err := theirs.CreateMemoryWithVector(t.Context(),
		store.Memory{CharacterID: c.ID, Kind: store.KindSemantic, Text: "plays the lute", Importance: 5}, []float32{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	want := Change{Kind: Character, CharacterID: c.ID, Elsewhere: true}
	if got := next(t, sub); got != want {
		t.Fatalf("a memory written elsewhere: got %+v, want %+v", got, want)
	}

	if _, err := ours.CreateMemoryWithVector(t.Context(),
		store.Memory{CharacterID: c.ID, Kind: store.KindSemantic, Text: "fears the sea", Importance: 5}, []float32{0, 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := next(t, sub), (Change{Kind: Character, CharacterID: c.ID}); got != want {
		t.Fatalf("our own memory: got %+v, want %+v", got, want)
	}
	quiet(t, sub, 2*FollowInterval) // not again through the log

	if err := theirs.DeleteMemory(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	want = Change{Kind: Character, Elsewhere: true} // gone before it could be read: every character
	if got := next(t, sub); got != want {
		t.Fatalf("a memory deleted elsewhere: got %+v, want %+v", got, want)
	}
}

func TestSlowSubscriberIsToldItLostNotices(t *testing.T) {
	feed := NewFeed()
	sub := feed.Subscribe()
	for range subscriberBuffer + 1 {
		feed.Publish(Change{Kind: Timeline, ChannelID: "c"})
	}
	if !sub.Lost() {
		t.Fatal("a full buffer did not report lost notices")
	}
	if sub.Lost() {
		t.Fatal("Lost did not clear")
	}
	sub.Close()
	if _, open := <-sub.C(); !open {
		return
	}
	for range sub.C() {
	}
}

func TestConcerns(t *testing.T) {
	tests := []struct {
		c                  Change
		character, channel string
		want               bool
	}{
		{Change{Kind: Character, CharacterID: "a"}, "a", "", true},
		{Change{Kind: Character, CharacterID: "a"}, "b", "", false},
		{Change{Kind: Character}, "b", "", true},
		{Change{Kind: Character, CharacterID: "a"}, "", "a", false},
		{Change{Kind: Timeline, ChannelID: "x"}, "", "x", true},
		{Change{Kind: Timeline, ChannelID: "x"}, "x", "", false},
		{Change{Kind: Timeline, ChannelID: "x"}, "", "y", false},
		{Change{Kind: Everything}, "", "y", true},
	}
	for _, tt := range tests {
		if got := tt.c.Concerns(tt.character, tt.channel); got != tt.want {
			t.Errorf("%+v.Concerns(%q, %q) = %v, want %v", tt.c, tt.character, tt.channel, got, tt.want)
		}
	}
}

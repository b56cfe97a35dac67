package migrate

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// A migration keeps when memories happened, and keeps every memory even
// when the target already holds the same one: a copy that deduplication
// would have merged is still a row of the source, which verify counts.
func TestRunKeepsTimesAndDuplicates(t *testing.T) {
	for name, target := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "target.db") },
		"postgres": func(t *testing.T) string { return testsvc.NewDatabase(t, testsvc.PostgresURL(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			src := openStore(t, "sqlite://"+filepath.Join(t.TempDir(), "source.db"))
			dst := openStore(t, target(t))
			c, err := src.CreateCharacter(ctx, store.Character{Name: "Aria"})
			if err != nil {
				t.Fatal(err)
			}
			occurred := time.Date(2019, 1, 15, 8, 0, 0, 0, time.UTC)
			past, err := src.CreateMemoryWithVector(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic,
				Text: "The harbour froze over.", Importance: 3, OccurredAt: occurred}, []float32{1, 0})
			if err != nil {
				t.Fatal(err)
			}
			// The target already has the character and the same memory under
			// another ID (remembered there before the migration).
			if _, err := dst.Import(ctx, &store.Dataset{Characters: []store.Character{c}}); err != nil {
				t.Fatal(err)
			}
			there, err := dst.CreateMemory(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "the harbour froze over", Importance: 5})
			if err != nil {
				t.Fatal(err)
			}

			report, err := Run(ctx, src, dst, Options{BatchSize: 1})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if report.Inserted.Memories != 1 || report.Target.Memories != 2 || report.Target.Vectors != 1 {
				t.Fatalf("report = %+v, want the source's memory inserted beside the target's", report)
			}
			got, err := dst.GetMemory(ctx, past.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.OccurredAt.Equal(occurred) || !got.CreatedAt.Equal(past.CreatedAt) {
				t.Fatalf("migrated memory happened %v, stored %v; want %v, %v", got.OccurredAt, got.CreatedAt, occurred, past.CreatedAt)
			}
			// The target's own memory keeps the key.
			again, err := dst.CreateMemory(ctx, store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "The harbour froze over!", Importance: 1})
			if err != nil || !again.Deduplicated || again.ID != there.ID {
				t.Fatalf("remembering it in the target = %+v, %v; want memory %s", again, err, there.ID)
			}
			// A second run copies nothing.
			if report, err := Run(ctx, src, dst, Options{}); err != nil || report.Inserted != (store.Counts{}) {
				t.Fatalf("second Run = %+v, %v; want nothing inserted", report.Inserted, err)
			}
		})
	}
}

// openStore opens a store on url and closes it when t ends.
func openStore(t *testing.T, url string) store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), url, "")
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

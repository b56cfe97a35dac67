package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// A database that an older release left at schema 2 holds memories without
// occurred_at and dedup keys, possibly duplicates. Migration 0003 must keep
// every row, give each the time it was stored as the time it happened, and
// leave the old rows without keys.

// legacyExec runs a statement on a database that no store has opened.
type legacyExec func(query string, args ...any) error

// legacyStore creates schema 2 of backend through exec, the way an older
// release's migrations did, with a character, two copies of one memory and
// a vector. ts converts a time to what the backend's driver stores.
func legacyStore(t *testing.T, backend string, exec legacyExec, ts func(time.Time) any) {
	t.Helper()
	for _, version := range []int{1, 2} {
		files, err := filepath.Glob(filepath.Join("migrations", backend, fmt.Sprintf("%04d_*.sql", version)))
		if err != nil || len(files) != 1 {
			t.Fatalf("migration %d of %s: %v %v", version, backend, files, err)
		}
		body, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := exec(string(body)); err != nil {
			t.Fatalf("apply %s: %v", files[0], err)
		}
	}
	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, stmt := range []struct {
		query string
		args  []any
	}{
		{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` + map[string]string{"sqlite": "TIMESTAMP", "postgres": "TIMESTAMPTZ"}[backend] + ` NOT NULL)`, nil},
		{`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', $1), (2, '0002_vector_changes.sql', $1)`, []any{ts(created)}},
		{`INSERT INTO characters (id, name, created_at, updated_at) VALUES ('c1', 'Aria', $1, $1)`, []any{ts(created)}},
		{`INSERT INTO memories (id, character_id, user_id, kind, text, importance, created_at, last_accessed_at)
			VALUES ('m1', 'c1', 'u1', 'semantic', 'Mia is a pilot.', 3, $1, $1), ('m2', 'c1', 'u1', 'semantic', 'mia is a pilot', 5, $2, $2)`,
			[]any{ts(created), ts(created.Add(time.Hour))}},
		{`INSERT INTO memory_vectors (memory_id, character_id, user_id, kind, vector) VALUES ('m1', 'c1', 'u1', 'semantic', $1)`,
			[]any{[]byte{0, 0, 128, 63}}},
	} {
		if err := exec(stmt.query, stmt.args...); err != nil {
			t.Fatalf("%s: %v", stmt.query, err)
		}
	}
}

// checkUpgraded checks a store opened on a legacyStore.
func checkUpgraded(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for id, want := range map[string]time.Time{"m1": created, "m2": created.Add(time.Hour)} {
		m, err := s.GetMemory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !m.OccurredAt.Equal(want) || !m.CreatedAt.Equal(want) {
			t.Fatalf("migrated memory %s happened %v, stored %v; want both %v", id, m.OccurredAt, m.CreatedAt, want)
		}
	}
	vs, err := s.GetVectors(ctx, []string{"m1"})
	if err != nil || len(vs) != 1 || vs[0].Text != "Mia is a pilot." || !vs[0].OccurredAt.Equal(created) {
		t.Fatalf("migrated vector = %+v, %v", vs, err)
	}
	// The old copies have no key: remembering the text again stores a row
	// that takes it, and from then on that row is the one found.
	first, err := s.CreateMemory(ctx, store.Memory{CharacterID: "c1", UserID: "u1", Kind: store.KindSemantic, Text: "Mia is a pilot!", Importance: 1})
	if err != nil || first.Deduplicated {
		t.Fatalf("remembering a legacy memory's text = %+v, %v; want a new row", first, err)
	}
	again, err := s.CreateMemory(ctx, store.Memory{CharacterID: "c1", UserID: "u1", Kind: store.KindSemantic, Text: "MIA IS A PILOT", Importance: 1})
	if err != nil || !again.Deduplicated || again.ID != first.ID {
		t.Fatalf("remembering it once more = %+v, %v; want memory %s", again, err, first.ID)
	}
	ms, err := s.ListMemories(ctx, store.MemoryFilter{CharacterID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	if want := []string{first.ID, "m2", "m1"}; !slices.Equal(ids, want) {
		t.Fatalf("ListMemories = %v, want %v", ids, want)
	}
	// A migration of the upgraded store keeps the duplicates too.
	d, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Memories) != 3 {
		t.Fatalf("export holds %d memories, want 3", len(d.Memories))
	}
}

func TestSQLiteUpgradeFromSchema2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charsim.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	legacyStore(t, "sqlite", func(query string, args ...any) error {
		_, err := db.ExecContext(t.Context(), query, args...)
		return err
	}, func(at time.Time) any { return at.UnixMicro() })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	checkUpgraded(t, openSQLiteFile(t, path))
}

func TestPostgresUpgradeFromSchema2(t *testing.T) {
	url := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	legacyStore(t, "postgres", func(query string, args ...any) error {
		_, err := conn.Exec(t.Context(), query, args...)
		return err
	}, func(at time.Time) any { return at })
	checkUpgraded(t, openPostgres(t, url))
}

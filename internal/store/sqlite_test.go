package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/store/storetest"
)

// openSQLiteFile opens a store on a real database file in a temp directory.
func openSQLiteFile(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), "sqlite://"+path, "")
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSQLiteContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLiteFile(t, filepath.Join(t.TempDir(), "charsim.db"))
	})
}

func TestSQLitePersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charsim.db")
	s, err := store.Open(t.Context(), "sqlite://"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateCharacter(t.Context(), store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMemoryWithVector(t.Context(), store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "x", Importance: 3}, []float32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening runs the migrations again, which must find nothing to do.
	s = openSQLiteFile(t, path)
	got, err := s.GetCharacterByName(t.Context(), "Aria")
	if err != nil || got.ID != c.ID {
		t.Fatalf("after reopen GetCharacterByName = %+v, %v; want %s", got, err, c.ID)
	}
	if n, err := s.Count(t.Context()); err != nil || n.Memories != 1 || n.Vectors != 1 {
		t.Fatalf("after reopen Count = %+v, %v", n, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("database file mode %v, want 0600: it holds personal data", perm)
	}
}

func TestOpenDefaultsToSQLiteInDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Backend() != "sqlite" {
		t.Fatalf("Backend() = %q, want sqlite", s.Backend())
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("data directory not created: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Fatalf("data directory mode %v, want 0700", perm)
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestOpenFileURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := store.Open(t.Context(), "file:"+path, "ignored")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file: URL did not create %s: %v", path, err)
	}
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	for _, url := range []string{"mysql://user:secret@host/db", "charsim.db"} {
		_, err := store.Open(t.Context(), url, t.TempDir())
		if err == nil {
			t.Fatalf("Open(%q) succeeded", url)
		}
		var fe *store.FieldError
		if !errors.As(err, &fe) || fe.Field != store.EnvDatabaseURL {
			t.Fatalf("Open(%q) = %v, want a FieldError for %s", url, err, store.EnvDatabaseURL)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Fatalf("error leaks the URL's password: %v", err)
		}
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv(store.EnvDatabaseURL, "")
	t.Setenv(store.EnvTimelineDatabaseURL, "")
	t.Setenv(store.EnvDataDir, "")
	if got := store.URLFromEnv(); got != "" {
		t.Fatalf("URLFromEnv() = %q with nothing set", got)
	}
	if got := store.DefaultDataDir(); got != "./character_data" {
		t.Fatalf("DefaultDataDir() = %q, want ./character_data", got)
	}
	t.Setenv(store.EnvTimelineDatabaseURL, "postgres://old")
	if got := store.URLFromEnv(); got != "postgres://old" {
		t.Fatalf("URLFromEnv() = %q, want the TIMELINE_DATABASE_URL fallback", got)
	}
	t.Setenv(store.EnvDatabaseURL, "postgres://new")
	if got := store.URLFromEnv(); got != "postgres://new" {
		t.Fatalf("URLFromEnv() = %q, want DATABASE_URL to win", got)
	}
	t.Setenv(store.EnvDataDir, "/var/lib/charsim")
	if got := store.DefaultDataDir(); got != "/var/lib/charsim" {
		t.Fatalf("DefaultDataDir() = %q", got)
	}
}

func BenchmarkSQLite(b *testing.B) {
	s, err := store.Open(b.Context(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"), "")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Benchmark(b, s)
}

// Two stores on one file stand for two processes (the MCP server and
// charsimctl): their writers wait for each other instead of failing with
// SQLITE_BUSY.
func TestSQLiteTwoStoresOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charsim.db")
	a, b := openSQLiteFile(t, path), openSQLiteFile(t, path)
	c, err := a.CreateCharacter(t.Context(), store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	const each = 100
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for w, s := range []store.Store{a, b} {
		wg.Go(func() {
			for i := range each {
				// Distinct texts: the same one would be deduplicated.
				text := fmt.Sprintf("store %d memory %d", w, i)
				if _, err := s.CreateMemory(t.Context(), store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: text, Importance: 1}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CreateMemory: %v", err)
	}
	if n, err := b.Count(t.Context()); err != nil || n.Memories != 2*each {
		t.Fatalf("Count = %+v, %v; want %d memories", n, err, 2*each)
	}
}

// Two processes remembering the same thing at once store it once: the
// unique key decides, not a look before the write.
func TestSQLiteTwoStoresDeduplicate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charsim.db")
	a, b := openSQLiteFile(t, path), openSQLiteFile(t, path)
	c, err := a.CreateCharacter(t.Context(), store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		s := []store.Store{a, b}[i%2]
		wg.Go(func() {
			m := store.Memory{CharacterID: c.ID, Kind: store.KindEpisodic, Text: "The tide came in early.", Importance: 1 + i%10}
			if _, err := s.CreateMemoryWithVector(t.Context(), m, []float32{1, 0}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CreateMemoryWithVector: %v", err)
	}
	if n, err := b.Count(t.Context()); err != nil || n.Memories != 1 || n.Vectors != 1 {
		t.Fatalf("Count = %+v, %v; want 1 memory with 1 vector", n, err)
	}
}

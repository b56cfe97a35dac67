package store

import (
	"fmt"
	"path/filepath"
	"testing"
)

// Reads on SQLite go through cached prepared statements; past the cache's
// bound, and when preparing fails, queries still run (unprepared).
func TestSQLiteStatementCache(t *testing.T) {
	s, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "charsim.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := s.(*sqlStore).db.(*sqliteDB)
	ctx := t.Context()
	c, err := s.CreateCharacter(ctx, Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}
	cached := func() int {
		db.statements.mu.Lock()
		defer db.statements.mu.Unlock()
		return len(db.statements.stmts)
	}
	base := cached()

	for range 3 {
		if got, err := s.GetCharacterByName(ctx, "Aria"); err != nil || got.ID != c.ID {
			t.Fatalf("GetCharacterByName = %+v, %v", got, err)
		}
	}
	if got := cached(); got != base+1 {
		t.Fatalf("%d statements cached after one query run three times, want %d", got, base+1)
	}

	// A query that does not prepare reports its error and is not cached.
	var one int
	if err := db.reader().queryRow(ctx, `SELECT FROM nowhere`).Scan(&one); err == nil {
		t.Fatal("a malformed query succeeded")
	}
	if got := cached(); got != base+1 {
		t.Fatalf("a failed query was cached: %d statements", got)
	}

	// Fill the cache; further queries run unprepared and still answer.
	for i := cached(); i < maxPreparedStatements; i++ {
		if err := db.reader().queryRow(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&one); err != nil || one != i {
			t.Fatalf("SELECT %d = %d, %v", i, one, err)
		}
	}
	if got := cached(); got != maxPreparedStatements {
		t.Fatalf("%d statements cached, want the bound %d", got, maxPreparedStatements)
	}
	if got, err := s.GetCharacter(ctx, c.ID); err != nil || got.Name != "Aria" {
		t.Fatalf("GetCharacter past the cache bound = %+v, %v", got, err)
	}
	if got := cached(); got != maxPreparedStatements {
		t.Fatalf("the cache grew past its bound: %d", got)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := cached(); got != 0 {
		t.Fatalf("%d statements left after Close", got)
	}
}

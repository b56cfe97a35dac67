package testsvc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var unsafeInName = regexp.MustCompile(`[^a-z0-9]+`)

// NewDatabase creates a fresh, uniquely named database on the server at
// baseURL, drops it when the test ends, and returns its URL.
func NewDatabase(t testing.TB, baseURL string) string {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatalf("parse postgres url: %v", err)
	}
	// The test's name makes leftovers recognisable; the random suffix makes it unique.
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	prefix := strings.Trim(unsafeInName.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	name := "t_" + prefix[:min(len(prefix), 40)] + "_" + hex.EncodeToString(suffix)
	ident := pgx.Identifier{name}.Sanitize()

	admin(t, baseURL, "CREATE DATABASE "+ident)
	t.Cleanup(func() {
		// FORCE ends connections a failed test may have left open.
		admin(t, baseURL, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the server's maintenance connection.
func admin(t testing.TB, baseURL, statement string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		t.Fatalf("connect to test postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		t.Fatalf("%s: %v", statement, err)
	}
}

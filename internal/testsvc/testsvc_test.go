package testsvc_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mojin/charsim/internal/testsvc"
)

// recorder is a testing.TB that records Fatal and Skip instead of ending the test.
type recorder struct {
	testing.TB
	failed, skipped string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

// record runs fn with a recorder on its own goroutine, as testing does.
func record(t *testing.T, fn func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	var wg sync.WaitGroup
	wg.Go(func() { fn(r) })
	wg.Wait()
	return r
}

func TestServiceURLs(t *testing.T) {
	for _, tc := range []struct {
		env string
		get func(testing.TB) string
	}{
		{testsvc.EnvPostgresURL, testsvc.PostgresURL},
		{testsvc.EnvRedisURL, testsvc.RedisURL},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, "scheme://host:1/x")
			if got := tc.get(t); got != "scheme://host:1/x" {
				t.Fatalf("URL = %q, want the environment's", got)
			}
			t.Setenv(tc.env, "")
			r := record(t, func(tb testing.TB) { tc.get(tb) })
			msg := r.failed
			if testing.Short() {
				msg = r.skipped
			}
			if msg == "" {
				t.Fatalf("a missing %s neither failed nor (under -short) skipped: %+v", tc.env, r)
			}
			if !testing.Short() && r.skipped != "" {
				t.Fatalf("a missing service skipped outside -short: %s", r.skipped)
			}
			if !strings.Contains(msg, tc.env) || !strings.Contains(msg, "make test") {
				t.Fatalf("message %q must name %s and say to run make test", msg, tc.env)
			}
		})
	}
}

func connect(t *testing.T, url string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

func databaseExists(t *testing.T, base, name string) bool {
	conn, err := connect(t, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func TestNewDatabase(t *testing.T) {
	base := testsvc.PostgresURL(t)
	var name string
	t.Run("inner", func(t *testing.T) {
		url := testsvc.NewDatabase(t, base)
		other := testsvc.NewDatabase(t, base)
		if url == other {
			t.Fatalf("two calls returned the same database %s", url)
		}
		conn, err := connect(t, url)
		if err != nil {
			t.Fatalf("connect to the new database: %v", err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(t.Context(), `SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "t_testnewdatabase_inner_") {
			t.Fatalf("database name %q does not carry the test's name", name)
		}
		if _, err := conn.Exec(t.Context(), `CREATE TABLE t (x int)`); err != nil {
			t.Fatal(err)
		}
		// Left open on purpose: the drop must not wait for it.
	})
	if databaseExists(t, base, name) {
		t.Fatalf("database %s outlived its test", name)
	}
}

func TestStartPostgresStopStart(t *testing.T) {
	p := testsvc.StartPostgres(t)
	conn, err := connect(t, p.URL())
	if err != nil {
		t.Fatalf("connect to the private server: %v", err)
	}
	if _, err := conn.Exec(t.Context(), `CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if _, err := connect(t, p.URL()); err == nil {
		t.Fatal("connected to a stopped server")
	}
	p.Start()
	conn, err = connect(t, p.URL())
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	defer conn.Close(context.Background())
	var x int
	if err := conn.QueryRow(t.Context(), `SELECT x FROM kept`).Scan(&x); err != nil || x != 42 {
		t.Fatalf("data after restart: %d, %v", x, err)
	}
}

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/store/storetest"
	"github.com/mojin/charsim/internal/testsvc"
)

// openPostgres opens a store on url and closes it when t ends.
func openPostgres(t *testing.T, url string) store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), url, "")
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestPostgresContract(t *testing.T) {
	base := testsvc.PostgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPostgres(t, testsvc.NewDatabase(t, base))
	})
}

func TestPostgresURLSchemes(t *testing.T) {
	url := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	for _, u := range []string{url, "postgresql" + url[len("postgres"):]} {
		if s := openPostgres(t, u); s.Backend() != "postgres" {
			t.Fatalf("Open(%s).Backend() = %q", u, s.Backend())
		}
	}
}

// Replicas starting together must not race on the schema: the advisory lock
// lets one migrate while the others wait, then find nothing to do.
func TestPostgresConcurrentMigrations(t *testing.T) {
	url := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	const replicas = 6
	var wg sync.WaitGroup
	errs := make(chan error, replicas)
	for range replicas {
		wg.Go(func() {
			s, err := store.Open(t.Context(), url, "")
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var applied, versions int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&applied, &versions); err != nil {
		t.Fatal(err)
	}
	if applied == 0 || applied != versions {
		t.Fatalf("schema_migrations has %d rows for %d versions after %d concurrent opens, want each version once", applied, versions, replicas)
	}
}

// The store survives a database restart without being reopened: Ping reports
// the outage and the pool reconnects by itself once the server is back.
func TestPostgresRecoversFromOutage(t *testing.T) {
	pg := testsvc.StartPostgres(t)
	s := openPostgres(t, pg.URL())
	c, err := s.CreateCharacter(t.Context(), store.Character{Name: "Aria"})
	if err != nil {
		t.Fatal(err)
	}

	pg.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded while the server was down")
	}
	if _, err := s.GetCharacter(ctx, c.ID); err == nil {
		t.Fatal("GetCharacter succeeded while the server was down")
	}

	pg.Start()
	deadline := time.Now().Add(30 * time.Second)
	for s.Ping(t.Context()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("store did not recover within 30s of the server coming back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, err := s.GetCharacter(t.Context(), c.ID)
	if err != nil || got.Name != "Aria" {
		t.Fatalf("after recovery GetCharacter = %+v, %v", got, err)
	}
	if _, err := s.CreateCharacter(t.Context(), store.Character{Name: "Bram"}); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
}

func BenchmarkPostgres(b *testing.B) {
	s, err := store.Open(b.Context(), testsvc.NewDatabase(b, testsvc.PostgresURL(b)), "")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Benchmark(b, s)
}

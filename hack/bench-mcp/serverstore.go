package main

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// serverStore is what a benchmarked server runs on: a data directory of its
// own and, on the postgres backend, a fresh database. env is the server's
// environment for it: PATH, CHARACTER_DATA_DIR, DATABASE_URL (PostgreSQL
// only), LOG_LEVEL and the embedder settings it was made with.
type serverStore struct {
	dataDir, databaseURL string
	env                  []string
	cleanup              func()
}

// newServerStore makes the store of a server named name (charsim,
// charsim-dense) with n memories on backend.
func newServerStore(ctx context.Context, o options, name, backend string, n int, pg *postgresServer, embedder ...string) (serverStore, error) {
	dataDir, err := os.MkdirTemp(o.dir, name+"-"+backend+"-")
	if err != nil {
		return serverStore{}, fmt.Errorf("create a data directory: %w", err)
	}
	s := serverStore{dataDir: dataDir, cleanup: func() { os.RemoveAll(dataDir) }}
	s.env = append([]string{"PATH=" + os.Getenv("PATH"), "CHARACTER_DATA_DIR=" + dataDir, "LOG_LEVEL=warn"}, embedder...)
	if backend == "postgres" {
		url, drop, err := pg.createDatabase(ctx, fmt.Sprintf("%s_bench_%d", strings.ReplaceAll(name, "-", "_"), n))
		if err != nil {
			s.cleanup()
			return serverStore{}, err
		}
		s.databaseURL = url
		s.env = append(s.env, "DATABASE_URL="+url)
		s.cleanup = func() { drop(); os.RemoveAll(dataDir) }
	}
	return s, nil
}

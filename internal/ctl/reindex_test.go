package ctl

import (
	"errors"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// setStackEnv points the environment at one store with the builtin embedder
// of dim dimensions and no Qdrant, as the MCP server would see it.
func setStackEnv(t *testing.T, databaseURL, dataDir, dim string) {
	t.Setenv(store.EnvDatabaseURL, databaseURL)
	t.Setenv(store.EnvTimelineDatabaseURL, "")
	t.Setenv(store.EnvDataDir, dataDir)
	t.Setenv("QDRANT_URL", "")
	t.Setenv("EMBEDDING_PROVIDER", memory.ProviderBuiltin)
	t.Setenv("EMBEDDING_DIMENSIONS", dim)
}

func TestReindexAfterChangingTheEmbedder(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			dataDir, databaseURL := t.TempDir(), ""
			if backend == "postgres" {
				databaseURL = testsvc.NewDatabase(t, testsvc.PostgresURL(t))
			}
			st := openTestStore(t, databaseURL, dataDir)
			populate(ctx, t, st) // 256-dimensional vectors
			setStackEnv(t, databaseURL, dataDir, "64")

			small := must(memory.NewBuiltinEmbedder(64))(t)
			if _, err := memory.NewService(ctx, st, memory.NewEmbeddedStore(st), small, memory.DefaultWeights); !errors.Is(err, memory.ErrDimensionMismatch) {
				t.Fatalf("before reindex: NewService with a 64-dimensional embedder: %v, want ErrDimensionMismatch", err)
			}

			r := mustRun(t, "reindex")
			if !strings.Contains(r.stdout, "reindexed 4 memories") {
				t.Errorf("stdout = %q, want it to report 4 memories", r.stdout)
			}
			if !strings.Contains(r.stderr, "embedded 4/4 memories") {
				t.Errorf("stderr shows no progress:\n%s", r.stderr)
			}

			vectors := 0
			if err := st.ScanVectors(ctx, func(v store.MemoryVector) error {
				vectors++
				if len(v.Vector) != 64 {
					t.Errorf("vector of memory %s has %d dimensions after reindex, want 64", v.MemoryID, len(v.Vector))
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if vectors != 4 {
				t.Errorf("%d vectors after reindex, want 4", vectors)
			}

			svc := must(memory.NewService(ctx, st, memory.NewEmbeddedStore(st), small, memory.DefaultWeights))(t)
			defer svc.Close()
			aria := must(st.GetCharacterByName(ctx, "Aria"))(t)
			found := must(svc.Recall(ctx, memory.Query{Text: "who flies cargo planes?", Filter: memory.Filter{CharacterID: aria.ID}, Limit: 1}))(t)
			if len(found) != 1 || found[0].Text != memoryTexts[0] {
				t.Errorf("recall after reindex = %+v, want %q", found, memoryTexts[0])
			}
		})
	}
}

func TestReindexConfigurationErrors(t *testing.T) {
	dataDir := t.TempDir()
	for _, tc := range []struct {
		name, variable, value string
	}{
		{"unknown embedder", "EMBEDDING_PROVIDER", "word2vec"},
		{"bad dimension", "EMBEDDING_DIMENSIONS", "-3"},
		{"unsupported database", store.EnvDatabaseURL, "mysql://admin:topsecret@db/charsim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setStackEnv(t, "", dataDir, "64")
			t.Setenv(tc.variable, tc.value)
			r := run(t, "reindex")
			if r.err == nil || !strings.Contains(r.err.Error(), tc.variable) {
				t.Fatalf("error %v, want one naming %s", r.err, tc.variable)
			}
			if strings.Contains(r.err.Error()+r.stdout+r.stderr, "topsecret") {
				t.Errorf("the password appears in the output: %v", r.err)
			}
		})
	}
}

package ctl

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/redact"
	"github.com/mojin/charsim/internal/store"
)

func newReindexCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the vector memory from the SQL store with the current embedder",
		Long: `Empty the vector collection, recreate it for the configured embedder's dimension
and embed every memory again. Run it after changing EMBEDDING_PROVIDER,
EMBEDDING_MODEL or EMBEDDING_DIMENSIONS (the MCP server refuses to start on a
collection of another dimension), or to rebuild a lost Qdrant collection.

It reads the same environment as the MCP server: DATABASE_URL (empty: SQLite in
CHARACTER_DATA_DIR), QDRANT_URL (empty: vectors embedded in the SQL store) and
the EMBEDDING_* variables. Stop the MCP server first: recall returns nothing
until the reindex is done.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReindex(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runReindex(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, err := memory.ConfigFromEnv()
	if err != nil {
		return err
	}
	databaseURL := store.URLFromEnv()
	st, err := store.Open(ctx, databaseURL, store.DefaultDataDir())
	if err != nil {
		return fmt.Errorf("open the SQL store: %s", redact.In(err.Error(), databaseURL))
	}
	defer st.Close()
	emb, err := memory.NewEmbedder(ctx, cfg.Embedding)
	if err != nil {
		return fmt.Errorf("embedder: %w", err)
	}
	vs, err := memory.OpenVectorStore(cfg, st)
	if err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	defer vs.Close()

	counts, err := st.Count(ctx)
	if err != nil {
		return fmt.Errorf("count memories: %w", err)
	}
	fmt.Fprintf(stderr, "reindexing %d memories into the %s vector store with %s (%d dimensions)\n",
		counts.Memories, vs.Name(), emb.Name(), emb.Dimension())
	start := time.Now()
	n, err := memory.Reindex(ctx, st, &progressVectorStore{VectorStore: vs, total: counts.Memories, out: stderr}, emb)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "reindexed %d memories into the %s vector store with %s (%d dimensions) in %s\n",
		n, vs.Name(), emb.Name(), emb.Dimension(), time.Since(start).Round(time.Millisecond))
	return err
}

// progressVectorStore reports every batch the reindex writes.
type progressVectorStore struct {
	memory.VectorStore
	total int64
	done  int64
	out   io.Writer
}

func (p *progressVectorStore) Upsert(ctx context.Context, vs []store.MemoryVector) error {
	if err := p.VectorStore.Upsert(ctx, vs); err != nil {
		return err
	}
	p.done += int64(len(vs))
	fmt.Fprintf(p.out, "embedded %d/%d memories\n", p.done, p.total)
	return nil
}

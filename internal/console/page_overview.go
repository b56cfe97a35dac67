package console

import (
	"net/http"

	"github.com/mojin/charsim/internal/store"
)

type overviewData struct {
	Version      string
	SQLBackend   string
	VectorStore  string
	Embedder     string
	Dependencies []Dependency
	Counts       store.Counts
	Errors       []LoggedError
}

// overview is the console's home: what this server is, whether its
// dependencies answer, how much it holds, and what went wrong lately.
func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	counts, err := c.deps.Store.Count(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "overview", "overview", "Overview", overviewData{
		Version:      c.deps.Version,
		SQLBackend:   c.deps.Store.Backend(),
		VectorStore:  c.deps.Memory.VectorStoreName(),
		Embedder:     c.deps.Memory.EmbedderName(),
		Dependencies: c.deps.Health(r.Context()),
		Counts:       counts,
		Errors:       c.deps.Errors.Recent(),
	})
}

package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/store"
)

type transferData struct {
	Characters []store.Character
	Channels   []string
	// Plan is the result of an import or its dry run.
	Plan  *importPlan
	Error string
}

// importPlan is what an import adds: per kind, the archive's rows and the
// new ones (rows already present, by key, are left alone).
type importPlan struct {
	DryRun bool
	Kinds  []importKind
	Added  int
}

type importKind struct {
	Kind           string
	InArchive, New int
}

func (c *Console) transfer(w http.ResponseWriter, r *http.Request) {
	c.renderTransfer(w, r, http.StatusOK, transferData{})
}

func (c *Console) renderTransfer(w http.ResponseWriter, r *http.Request, status int, d transferData) {
	var err error
	if d.Characters, err = c.deps.Store.ListCharacters(r.Context()); err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Channels, err = c.deps.Store.ListChannels(r.Context()); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, status, "transfer", "transfer", "Export and import", d)
}

// export downloads everything, one character or one channel's story as a
// charsim archive (gzip-compressed JSON lines, docs/archive.md), the format
// `charsimctl export` writes and `charsimctl import` reads. Vectors are
// left out: an importer embeds with its own embedder.
func (c *Console) export(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	scope, id := q.Get("scope"), strings.TrimSpace(q.Get("id"))
	all, err := c.deps.Store.Export(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	all.Vectors = nil
	var d *store.Dataset
	var name string
	switch scope {
	case "all":
		d, name = all, "charsim"
	case "character":
		ch, err := c.deps.Store.GetCharacter(r.Context(), id)
		if err != nil {
			http.Error(w, "404 not found: id: no character with this ID", http.StatusNotFound)
			return
		}
		d, name = characterSubset(all, ch.ID), "character-"+fileSafe(ch.Name)
	case "channel":
		d, name = channelSubset(all, id), "channel-"+fileSafe(id)
		if len(d.Events) == 0 && len(d.Branches) == 0 {
			http.Error(w, "404 not found: id: no timeline in this channel", http.StatusNotFound)
			return
		}
	default:
		http.Error(w, `400 bad request: scope: must be "all", "character" or "channel"`, http.StatusBadRequest)
		return
	}
	var buf bytes.Buffer
	header := archive.Header{Charsim: c.deps.Version, CreatedAt: newestTime(d), Source: c.deps.Store.Backend()}
	if err := archive.Write(&buf, header, d, nil); err != nil {
		c.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.jsonl.gz"`, name))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// fileSafe keeps the letters and digits of a name for a file name.
func fileSafe(s string) string {
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
	return clipText(cmpOr(strings.Trim(out, "-"), "export"), 60)
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// newestTime is the header's created_at: the newest time in the data
// rather than the clock, so that exporting the same data twice gives the
// same bytes (a diff or a checksum then says whether anything changed).
func newestTime(d *store.Dataset) time.Time {
	var t time.Time
	latest := func(ts ...time.Time) {
		for _, x := range ts {
			if x.After(t) {
				t = x
			}
		}
	}
	for _, x := range d.Characters {
		latest(x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range d.States {
		latest(x.UpdatedAt)
	}
	for _, x := range d.Relationships {
		latest(x.UpdatedAt)
	}
	for _, x := range d.Memories {
		latest(x.CreatedAt, x.OccurredAt)
	}
	for _, x := range d.Events {
		latest(x.CreatedAt)
	}
	for _, x := range d.Branches {
		latest(x.CreatedAt)
	}
	for _, x := range d.Messages {
		latest(x.CreatedAt)
	}
	for _, x := range d.LoreBooks {
		latest(x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range d.Personas {
		latest(x.UpdatedAt)
	}
	return t.UTC()
}

// characterSubset is one character with everything that belongs to it:
// state, relationships, memories, messages, card, and its own lore books.
func characterSubset(all *store.Dataset, id string) *store.Dataset {
	d := &store.Dataset{}
	d.Characters = filter(all.Characters, func(x store.Character) bool { return x.ID == id })
	d.States = filter(all.States, func(x store.CharacterState) bool { return x.CharacterID == id })
	d.Relationships = filter(all.Relationships, func(x store.Relationship) bool { return x.CharacterID == id })
	d.Memories = filter(all.Memories, func(x store.Memory) bool { return x.CharacterID == id })
	d.Messages = filter(all.Messages, func(x store.Message) bool { return x.CharacterID == id })
	d.Cards = filter(all.Cards, func(x store.CharacterCard) bool { return x.CharacterID == id })
	d.LoreBooks = filter(all.LoreBooks, func(x store.LoreBook) bool { return x.Scope == store.LoreScopeCharacter && x.OwnerID == id })
	books := map[string]bool{}
	for _, b := range d.LoreBooks {
		books[b.ID] = true
	}
	d.LoreEntries = filter(all.LoreEntries, func(x store.LoreEntry) bool { return books[x.BookID] })
	return d
}

// channelSubset is one channel's story: its events and branches, and the
// characters its events name (their rows only), so that the archive
// imports into a store that lacks them.
func channelSubset(all *store.Dataset, channel string) *store.Dataset {
	d := &store.Dataset{}
	d.Events = filter(all.Events, func(x store.TimelineEvent) bool { return x.ChannelID == channel })
	d.Branches = filter(all.Branches, func(x store.Branch) bool { return x.ChannelID == channel })
	named := map[string]bool{}
	for _, e := range d.Events {
		named[e.CharacterID] = true
	}
	d.Characters = filter(all.Characters, func(x store.Character) bool { return named[x.ID] })
	return d
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// importArchive reads an uploaded archive, checks all of it, and adds the
// rows the store does not have yet, in one transaction; with dry_run it
// only says what it would add. Memories are embedded by this server's
// embedder (the archive's vectors, if any, are not used).
func (c *Console) importArchive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	file, _, err := r.FormFile("archive")
	if err != nil {
		c.renderTransfer(w, r, http.StatusUnprocessableEntity, transferData{Error: "archive: choose a charsim archive file (.jsonl.gz) to import"})
		return
	}
	defer file.Close()
	a, err := archive.Read(file, archive.ReadOptions{})
	if err != nil {
		c.renderTransfer(w, r, http.StatusUnprocessableEntity, transferData{Error: "archive: " + err.Error() + "; nothing was imported"})
		return
	}
	a.Data.Vectors = nil
	current, err := c.deps.Store.Export(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	plan, rows := planImport(a.Data, current)
	plan.DryRun = r.PostFormValue("dry_run") != ""
	if !plan.DryRun && plan.Added > 0 {
		if _, err := c.deps.Store.Import(ctx, rows); err != nil {
			c.renderTransfer(w, r, http.StatusUnprocessableEntity, transferData{Error: c.userError(r, fmt.Errorf("import: %w; nothing was imported", err))})
			return
		}
		if err := c.embedImported(ctx, rows.Memories); err != nil {
			c.renderTransfer(w, r, http.StatusInternalServerError, transferData{Plan: plan,
				Error: c.userError(r, fmt.Errorf("the rows were imported, but embedding their memories failed: %w", err))})
			return
		}
	}
	c.renderTransfer(w, r, http.StatusOK, transferData{Plan: plan})
}

// planImport counts, per kind, the archive's rows and those whose key the
// store lacks, and returns the latter as the dataset to import.
func planImport(in, current *store.Dataset) (*importPlan, *store.Dataset) {
	plan, rows := &importPlan{}, &store.Dataset{}
	for _, kind := range archive.Kinds() {
		if kind == archive.KindVector {
			continue
		}
		have := map[string]bool{}
		for i := range archive.Rows(current, kind) {
			have[archive.Key(current, kind, i)] = true
		}
		k := importKind{Kind: kind, InArchive: archive.Rows(in, kind)}
		for i := range k.InArchive {
			if !have[archive.Key(in, kind, i)] {
				archive.Append(rows, kind, archive.Row(in, kind, i))
				k.New++
			}
		}
		plan.Added += k.New
		plan.Kinds = append(plan.Kinds, k)
	}
	return plan, rows
}

// embedImported gives the imported memories their vectors: an update with
// the same text makes the memory service embed it and store the vector in
// whichever vector store this server uses.
func (c *Console) embedImported(ctx context.Context, memories []store.Memory) error {
	var errs []error
	for _, m := range memories {
		text := m.Text
		if _, err := c.deps.Memory.Update(ctx, m.ID, store.MemoryPatch{Text: &text}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

package console

import (
	"net/http"
	"slices"

	"github.com/mojin/charsim/internal/store"
)

// relationshipCell is one character's feelings about one target.
type relationshipCell struct {
	Relationship *store.Relationship // nil: none recorded
	Href         string
}

type relationshipRow struct {
	Character store.Character
	Cells     []relationshipCell
}

type relationshipsData struct {
	// Targets are the columns: every user or character some character has
	// a relationship with, characters shown by name.
	Targets []string
	Names   map[string]string
	Rows    []relationshipRow
	// Selected is the relationship whose history is shown.
	Selected *store.Relationship
}

// relationships is the character × target matrix of affinity and trust,
// with the history of reasons of the selected cell.
func (c *Console) relationships(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	chars, err := c.deps.Store.ListCharacters(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := relationshipsData{Names: characterNames(chars)}
	byCharacter := map[string]map[string]store.Relationship{}
	targets := map[string]bool{}
	for _, ch := range chars {
		rels, err := c.deps.Store.ListRelationships(ctx, ch.ID)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		byCharacter[ch.ID] = map[string]store.Relationship{}
		for _, rel := range rels {
			byCharacter[ch.ID][rel.Target] = rel
			targets[rel.Target] = true
		}
	}
	for t := range targets {
		d.Targets = append(d.Targets, t)
	}
	slices.Sort(d.Targets)
	wantChar, wantTarget := r.URL.Query().Get("character"), r.URL.Query().Get("target")
	for _, ch := range chars {
		row := relationshipRow{Character: ch}
		for _, t := range d.Targets {
			cell := relationshipCell{}
			if rel, ok := byCharacter[ch.ID][t]; ok {
				cell.Relationship = &rel
				cell.Href = c.base + "relationships?" + urlValues("character", ch.ID, "target", t)
				if ch.ID == wantChar && t == wantTarget {
					d.Selected = &rel
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		d.Rows = append(d.Rows, row)
	}
	c.render(w, r, http.StatusOK, "relationships", "relationships", "Relationships", d)
}

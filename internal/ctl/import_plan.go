package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/store"
)

// importPlan is what importing an archive into a target would do, worked out
// before anything is written: which rows are new, which the target already
// has, and which it has with other content. Which vectors are written, and
// whether the archive's are used, is decided by the embedder (see planVectors).
type importPlan struct {
	// added[kind] are the indices in the archive's data of the rows the target lacks.
	added map[string][]int
	// unchanged[kind] counts the rows the target has with the same content.
	unchanged map[string]int64
	// differ lists the rows the target has with other content; the target's are kept.
	differ []difference
	// sameMemories are the indices of the memories the target has unchanged.
	sameMemories []int
}

// difference is an archive row whose key the target holds with other content.
type difference struct {
	kind, key string
	line      int
}

// planImport compares the archive with the target's rows and checks that
// every new row's references resolve (in the archive or in the target) and
// that no new character takes a name the target gives another, so that the
// import transaction cannot fail halfway on them.
func planImport(a *archive.Archive, target *store.Dataset) (*importPlan, error) {
	p := &importPlan{added: map[string][]int{}, unchanged: map[string]int64{}}
	for _, kind := range archive.Kinds() {
		present := keyIndex(target, kind)
		if kind == archive.KindVector {
			// Vectors are derived data: one the target has is kept, whatever
			// its numbers, and counted as unchanged.
			for _, v := range a.Data.Vectors {
				if _, ok := present[v.MemoryID]; ok {
					p.unchanged[kind]++
				}
			}
			continue
		}
		for i := range archive.Rows(a.Data, kind) {
			key := archive.Key(a.Data, kind, i)
			j, ok := present[key]
			if !ok {
				p.added[kind] = append(p.added[kind], i)
				continue
			}
			same, err := sameRow(archive.Row(a.Data, kind, i), archive.Row(target, kind, j))
			if err != nil {
				return nil, fmt.Errorf("line %d: compare %s %s with the target's: %w", a.Line(kind, i), kind, key, err)
			}
			if !same {
				p.differ = append(p.differ, difference{kind: kind, key: key, line: a.Line(kind, i)})
				continue
			}
			p.unchanged[kind]++
			if kind == archive.KindMemory {
				p.sameMemories = append(p.sameMemories, i)
			}
		}
	}
	if err := p.checkReferences(a, target); err != nil {
		return nil, err
	}
	return p, nil
}

// keyIndex maps the key of every row of a kind in d to its index.
func keyIndex(d *store.Dataset, kind string) map[string]int {
	idx := make(map[string]int, archive.Rows(d, kind))
	for i := range archive.Rows(d, kind) {
		idx[archive.Key(d, kind, i)] = i
	}
	return idx
}

// sameRow compares two rows in their JSON form, which is what the archive
// holds: an empty list and a missing one are the same, as are equal instants.
// A memory's last access is not content: every recall moves it, so a memory
// recalled since the export is the same memory.
func sameRow(a, b any) (bool, error) {
	if ma, ok := a.(store.Memory); ok {
		if mb, ok := b.(store.Memory); ok {
			ma.LastAccessedAt, mb.LastAccessedAt = time.Time{}, time.Time{}
			a, b = ma, mb
		}
	}
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ja, jb), nil
}

// checkReferences refuses new rows whose character, parent event or head
// event is neither in the archive nor in the target, and new characters
// whose name another character already has.
func (p *importPlan) checkReferences(a *archive.Archive, target *store.Dataset) error {
	d := a.Data
	characters := union(keyIndex(d, archive.KindCharacter), keyIndex(target, archive.KindCharacter))
	events := union(keyIndex(d, archive.KindEvent), keyIndex(target, archive.KindEvent))
	var errs []error
	missing := func(kind string, i int, what, id string) {
		errs = append(errs, fmt.Errorf("line %d: %s %s refers to %s %s, which is neither in the archive nor in the target",
			a.Line(kind, i), kind, archive.Key(d, kind, i), what, id))
	}
	// Rows that belong to a character, by kind, in the order they are reported.
	characterOf := []struct {
		kind string
		id   func(i int) string
	}{
		{archive.KindState, func(i int) string { return d.States[i].CharacterID }},
		{archive.KindRelationship, func(i int) string { return d.Relationships[i].CharacterID }},
		{archive.KindMemory, func(i int) string { return d.Memories[i].CharacterID }},
		{archive.KindMessage, func(i int) string { return d.Messages[i].CharacterID }},
		{archive.KindCard, func(i int) string { return d.Cards[i].CharacterID }},
	}
	for _, ref := range characterOf {
		for _, i := range p.added[ref.kind] {
			if id := ref.id(i); !characters[id] {
				missing(ref.kind, i, "character", id)
			}
		}
	}
	books := union(keyIndex(d, archive.KindLoreBook), keyIndex(target, archive.KindLoreBook))
	for _, i := range p.added[archive.KindLoreBook] {
		if b := d.LoreBooks[i]; b.Scope == store.LoreScopeCharacter && !characters[b.OwnerID] {
			missing(archive.KindLoreBook, i, "character", b.OwnerID)
		}
	}
	for _, i := range p.added[archive.KindLoreEntry] {
		if id := d.LoreEntries[i].BookID; !books[id] {
			missing(archive.KindLoreEntry, i, "lore book", id)
		}
	}
	for _, i := range p.added[archive.KindEvent] {
		if id := d.Events[i].ParentID; id != "" && !events[id] {
			missing(archive.KindEvent, i, "parent event", id)
		}
	}
	for _, i := range p.added[archive.KindBranch] {
		if id := d.Branches[i].HeadEventID; id != "" && !events[id] {
			missing(archive.KindBranch, i, "head event", id)
		}
	}

	// Character names are unique in a store.
	owner := map[string]string{} // name -> where it is taken
	for _, c := range target.Characters {
		owner[c.Name] = "the target's character " + c.ID
	}
	for _, i := range p.added[archive.KindCharacter] {
		c := d.Characters[i]
		if where, taken := owner[c.Name]; taken {
			errs = append(errs, fmt.Errorf("line %d: character %s is named %q, like %s", a.Line(archive.KindCharacter, i), c.ID, c.Name, where))
			continue
		}
		owner[c.Name] = fmt.Sprintf("character %s on line %d", c.ID, a.Line(archive.KindCharacter, i))
	}
	return errors.Join(errs...)
}

// union is the set of keys of both indexes.
func union(a, b map[string]int) map[string]bool {
	s := make(map[string]bool, len(a)+len(b))
	for k := range a {
		s[k] = true
	}
	for k := range b {
		s[k] = true
	}
	return s
}

// rows returns the dataset of the rows the plan adds (vectors aside).
func (p *importPlan) rows(a *archive.Archive) *store.Dataset {
	d := &store.Dataset{}
	for _, kind := range archive.Kinds() {
		for _, i := range p.added[kind] {
			archive.Append(d, kind, archive.Row(a.Data, kind, i))
		}
	}
	return d
}

// addedCounts counts the rows the plan adds per kind.
func (p *importPlan) addedCounts() map[string]int64 {
	c := map[string]int64{}
	for kind, rows := range p.added {
		c[kind] = int64(len(rows))
	}
	return c
}

// differCounts counts the rows that differ per kind.
func (p *importPlan) differCounts() map[string]int64 {
	c := map[string]int64{}
	for _, d := range p.differ {
		c[d.kind]++
	}
	return c
}

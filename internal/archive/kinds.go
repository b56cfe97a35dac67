package archive

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/mojin/charsim/internal/store"
)

// kind is one kind of record, described generically so that writing,
// reading, counting and key checks are written once for all of them.
type kind struct {
	// name is the record's "kind".
	name string
	// table is the plural name the CLI prints (the same as migrate's).
	table string
	// rows is the number of rows of this kind in d.
	rows func(d *store.Dataset) int
	// row returns row i of this kind in d.
	row func(d *store.Dataset, i int) any
	// key returns the key of row i of this kind in d.
	key func(d *store.Dataset, i int) string
	// appendRow appends row (of this kind's type) to d.
	appendRow func(d *store.Dataset, row any)
	// decode parses data into a row, validates and normalises it as Import
	// would, appends it to d and returns its key. strict refuses unknown fields.
	decode func(d *store.Dataset, data []byte, strict bool) (key string, err error)
}

func newKind[T any](name, table string, field func(*store.Dataset) *[]T, key func(*T) string) kind {
	return kind{
		name:  name,
		table: table,
		rows:  func(d *store.Dataset) int { return len(*field(d)) },
		row:   func(d *store.Dataset, i int) any { return (*field(d))[i] },
		key:   func(d *store.Dataset, i int) string { return key(&(*field(d))[i]) },
		appendRow: func(d *store.Dataset, row any) {
			*field(d) = append(*field(d), row.(T))
		},
		decode: func(d *store.Dataset, data []byte, strict bool) (string, error) {
			var row T
			dec := json.NewDecoder(bytes.NewReader(data))
			if strict {
				dec.DisallowUnknownFields()
			}
			if err := dec.Decode(&row); err != nil {
				return "", err
			}
			if err := store.PrepareImportRow(&row); err != nil {
				return "", err
			}
			*field(d) = append(*field(d), row)
			return key(&row), nil
		},
	}
}

// kinds lists the record kinds in the order they are written: every kind
// after the ones its rows refer to.
var kinds = []kind{
	newKind("character", "characters", func(d *store.Dataset) *[]store.Character { return &d.Characters },
		func(c *store.Character) string { return c.ID }),
	newKind("state", "states", func(d *store.Dataset) *[]store.CharacterState { return &d.States },
		func(s *store.CharacterState) string { return s.CharacterID }),
	newKind("relationship", "relationships", func(d *store.Dataset) *[]store.Relationship { return &d.Relationships },
		func(r *store.Relationship) string { return r.CharacterID + "/" + r.Target }),
	newKind("memory", "memories", func(d *store.Dataset) *[]store.Memory { return &d.Memories },
		func(m *store.Memory) string { return m.ID }),
	newKind("vector", "vectors", func(d *store.Dataset) *[]store.MemoryVector { return &d.Vectors },
		func(v *store.MemoryVector) string { return v.MemoryID }),
	newKind("event", "events", func(d *store.Dataset) *[]store.TimelineEvent { return &d.Events },
		func(e *store.TimelineEvent) string { return e.ID }),
	newKind("branch", "branches", func(d *store.Dataset) *[]store.Branch { return &d.Branches },
		func(b *store.Branch) string { return b.ChannelID + "/" + b.Name }),
	newKind("message", "messages", func(d *store.Dataset) *[]store.Message { return &d.Messages },
		func(m *store.Message) string { return m.ID }),
	// Format 1.1.
	newKind(KindCard, "cards", func(d *store.Dataset) *[]store.CharacterCard { return &d.Cards },
		func(c *store.CharacterCard) string { return c.CharacterID }),
	newKind(KindLoreBook, "lore_books", func(d *store.Dataset) *[]store.LoreBook { return &d.LoreBooks },
		func(b *store.LoreBook) string { return b.ID }),
	newKind(KindLoreEntry, "lore_entries", func(d *store.Dataset) *[]store.LoreEntry { return &d.LoreEntries },
		func(e *store.LoreEntry) string { return e.ID }),
	// Format 1.2.
	newKind(KindPersona, "personas", func(d *store.Dataset) *[]store.Persona { return &d.Personas },
		func(p *store.Persona) string { return p.UserID }),
}

// Record kinds, as written in the "kind" of each line.
const (
	KindCharacter    = "character"
	KindState        = "state"
	KindRelationship = "relationship"
	KindMemory       = "memory"
	KindVector       = "vector"
	KindEvent        = "event"
	KindBranch       = "branch"
	KindMessage      = "message"
	// Since format 1.1.
	KindCard      = "card"       // a character's original card, by character ID
	KindLoreBook  = "lore_book"  // a lorebook of a character, a channel or the world
	KindLoreEntry = "lore_entry" // an entry of a lorebook
	// Since format 1.2.
	KindPersona = "persona" // a user's persona, by user ID
)

// Kinds lists the record kinds this version knows, in the order they are written.
func Kinds() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// Table is the plural table name of a record kind ("memory" → "memories"),
// or the kind itself when it is unknown.
func Table(kindName string) string {
	if k, ok := kindNamed(kindName); ok {
		return k.table
	}
	return kindName
}

func kindNamed(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// Counts counts the rows of each kind in d.
func Counts(d *store.Dataset) map[string]int64 {
	c := make(map[string]int64, len(kinds))
	for _, k := range kinds {
		c[k.name] = int64(k.rows(d))
	}
	return c
}

// Rows is the number of rows of a kind in d (0 for an unknown kind).
func Rows(d *store.Dataset, kindName string) int {
	if k, ok := kindNamed(kindName); ok {
		return k.rows(d)
	}
	return 0
}

// Row returns row i of a kind in d (a store.Character, store.Memory, …).
func Row(d *store.Dataset, kindName string, i int) any { return mustKind(kindName).row(d, i) }

// Key is the key of row i of a kind in d: an ID, or "character/target" for
// a relationship and "channel/name" for a branch.
func Key(d *store.Dataset, kindName string, i int) string { return mustKind(kindName).key(d, i) }

// Append appends row, as returned by Row for the same kind, to d.
func Append(d *store.Dataset, kindName string, row any) { mustKind(kindName).appendRow(d, row) }

// mustKind is the kind of a name from Kinds; another name is a programming error.
func mustKind(name string) kind {
	k, ok := kindNamed(name)
	if !ok {
		panic(fmt.Sprintf("archive: unknown kind %q", name))
	}
	return k
}

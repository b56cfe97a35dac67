package migrate

import (
	"github.com/mojin/charsim/internal/store"
)

// table is one kind of row in a store.Dataset, described generically so that
// copying, counting and verifying are written once for all tables.
type table struct {
	// name is the table's name in progress output and errors.
	name string
	// rows is the number of rows of this table in d.
	rows func(d *store.Dataset) int
	// slice returns a dataset that holds only rows [lo, hi) of this table.
	slice func(d *store.Dataset, lo, hi int) *store.Dataset
	// keys returns the primary key of every row of this table in d.
	keys func(d *store.Dataset) []string
	// count addresses this table's field in c.
	count func(c *store.Counts) *int64
}

func newTable[T any](name string, field func(*store.Dataset) *[]T, key func(T) string, count func(*store.Counts) *int64) table {
	return table{
		name: name,
		rows: func(d *store.Dataset) int { return len(*field(d)) },
		slice: func(d *store.Dataset, lo, hi int) *store.Dataset {
			part := &store.Dataset{}
			*field(part) = (*field(d))[lo:hi]
			return part
		},
		keys: func(d *store.Dataset) []string {
			rows := *field(d)
			keys := make([]string, len(rows))
			for i, r := range rows {
				keys[i] = key(r)
			}
			return keys
		},
		count: count,
	}
}

// tables lists the tables in the order they are copied: every table after
// the ones its rows refer to (characters before what belongs to them,
// memories before their vectors, events before the branches that point at them).
var tables = []table{
	newTable("characters", func(d *store.Dataset) *[]store.Character { return &d.Characters },
		func(c store.Character) string { return c.ID },
		func(c *store.Counts) *int64 { return &c.Characters }),
	newTable("states", func(d *store.Dataset) *[]store.CharacterState { return &d.States },
		func(s store.CharacterState) string { return s.CharacterID },
		func(c *store.Counts) *int64 { return &c.States }),
	newTable("relationships", func(d *store.Dataset) *[]store.Relationship { return &d.Relationships },
		func(r store.Relationship) string { return r.CharacterID + "\x00" + r.Target },
		func(c *store.Counts) *int64 { return &c.Relationships }),
	newTable("memories", func(d *store.Dataset) *[]store.Memory { return &d.Memories },
		func(m store.Memory) string { return m.ID },
		func(c *store.Counts) *int64 { return &c.Memories }),
	newTable("vectors", func(d *store.Dataset) *[]store.MemoryVector { return &d.Vectors },
		func(v store.MemoryVector) string { return v.MemoryID },
		func(c *store.Counts) *int64 { return &c.Vectors }),
	newTable("events", func(d *store.Dataset) *[]store.TimelineEvent { return &d.Events },
		func(e store.TimelineEvent) string { return e.ID },
		func(c *store.Counts) *int64 { return &c.Events }),
	newTable("branches", func(d *store.Dataset) *[]store.Branch { return &d.Branches },
		func(b store.Branch) string { return b.ChannelID + "\x00" + b.Name },
		func(c *store.Counts) *int64 { return &c.Branches }),
	newTable("messages", func(d *store.Dataset) *[]store.Message { return &d.Messages },
		func(m store.Message) string { return m.ID },
		func(c *store.Counts) *int64 { return &c.Messages }),
	newTable("cards", func(d *store.Dataset) *[]store.CharacterCard { return &d.Cards },
		func(c store.CharacterCard) string { return c.CharacterID },
		func(c *store.Counts) *int64 { return &c.Cards }),
	newTable("lore_books", func(d *store.Dataset) *[]store.LoreBook { return &d.LoreBooks },
		func(b store.LoreBook) string { return b.ID },
		func(c *store.Counts) *int64 { return &c.LoreBooks }),
	newTable("lore_entries", func(d *store.Dataset) *[]store.LoreEntry { return &d.LoreEntries },
		func(e store.LoreEntry) string { return e.ID },
		func(c *store.Counts) *int64 { return &c.LoreEntries }),
	newTable("personas", func(d *store.Dataset) *[]store.Persona { return &d.Personas },
		func(p store.Persona) string { return p.UserID },
		func(c *store.Counts) *int64 { return &c.Personas }),
}

// TableNames lists the tables in the order they are copied.
func TableNames() []string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	return names
}

// RowCounts counts the rows of each table in d.
func RowCounts(d *store.Dataset) store.Counts {
	var c store.Counts
	for _, t := range tables {
		*t.count(&c) = int64(t.rows(d))
	}
	return c
}

// CountOf returns the count of the named table in c (0 for an unknown name).
func CountOf(c store.Counts, name string) int64 {
	for _, t := range tables {
		if t.name == name {
			return *t.count(&c)
		}
	}
	return 0
}

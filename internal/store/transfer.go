package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

func (s *sqlStore) Export(ctx context.Context) (*Dataset, error) {
	d := &Dataset{}
	err := s.db.snapshot(ctx, func(q querier) error {
		var err error
		if d.Characters, err = collect(ctx, q, scanCharacter, `SELECT `+characterColumns+` FROM characters ORDER BY created_at, id`); err != nil {
			return err
		}
		if d.States, err = collect(ctx, q, scanState, `SELECT `+stateColumns+` FROM character_states ORDER BY character_id`); err != nil {
			return err
		}
		if d.Relationships, err = collect(ctx, q, scanRelationship, `SELECT `+relationshipColumns+` FROM relationships ORDER BY character_id, target`); err != nil {
			return err
		}
		if d.Memories, err = collect(ctx, q, scanMemory, `SELECT `+memoryColumns+` FROM memories ORDER BY created_at, id`); err != nil {
			return err
		}
		if d.Vectors, err = collect(ctx, q, scanVector, `SELECT `+vectorColumns+` FROM memory_vectors ORDER BY memory_id`); err != nil {
			return err
		}
		if d.Events, err = collect(ctx, q, scanEvent, `SELECT `+eventColumns+` FROM timeline_events ORDER BY created_at, id`); err != nil {
			return err
		}
		if d.Branches, err = collect(ctx, q, scanBranch, `SELECT `+branchColumns+` FROM timeline_branches ORDER BY channel_id, name`); err != nil {
			return err
		}
		if d.Messages, err = collect(ctx, q, scanMessage, `SELECT `+messageColumns+` FROM messages ORDER BY created_at, id`); err != nil {
			return err
		}
		if d.Cards, err = collect(ctx, q, scanCard, `SELECT `+cardColumns+` FROM character_cards ORDER BY character_id`); err != nil {
			return err
		}
		if d.LoreBooks, err = collect(ctx, q, scanLoreBook, `SELECT `+loreBookColumns+` FROM lore_books ORDER BY created_at, id`); err != nil {
			return err
		}
		if d.LoreEntries, err = collect(ctx, q, scanLoreEntry, `SELECT `+loreEntryColumns+` FROM lore_entries ORDER BY book_id, seq, id`); err != nil {
			return err
		}
		d.Personas, err = collect(ctx, q, scanPersona, `SELECT `+personaColumns+` FROM user_personas ORDER BY user_id`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return d, nil
}

func (s *sqlStore) Count(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.db.reader().queryRow(ctx, `SELECT
		(SELECT count(*) FROM characters), (SELECT count(*) FROM character_states),
		(SELECT count(*) FROM relationships), (SELECT count(*) FROM memories),
		(SELECT count(*) FROM memory_vectors), (SELECT count(*) FROM timeline_events),
		(SELECT count(*) FROM timeline_branches), (SELECT count(*) FROM messages),
		(SELECT count(*) FROM character_cards), (SELECT count(*) FROM lore_books), (SELECT count(*) FROM lore_entries),
		(SELECT count(*) FROM user_personas)`).
		Scan(&c.Characters, &c.States, &c.Relationships, &c.Memories, &c.Vectors, &c.Events, &c.Branches, &c.Messages,
			&c.Cards, &c.LoreBooks, &c.LoreEntries, &c.Personas)
	if err != nil {
		return Counts{}, fmt.Errorf("count: %w", err)
	}
	return c, nil
}

// Import validates the whole dataset first and writes it in one transaction,
// so a failed import leaves the store as it was.
func (s *sqlStore) Import(ctx context.Context, d *Dataset) (Counts, error) {
	if d == nil {
		return Counts{}, invalid("dataset", "is required")
	}
	d = cloneDataset(d)
	if err := prepareDataset(d); err != nil {
		return Counts{}, err
	}
	var c Counts
	err := s.inVectorTx(ctx, func(q querier) error {
		c = Counts{}
		// Parents first; events and branches refer to events through deferred
		// foreign keys, so their order does not matter.
		steps := []struct {
			table string
			count *int64
			n     int
			one   func(i int) (int64, error)
		}{
			{"characters", &c.Characters, len(d.Characters), func(i int) (int64, error) { return insertCharacter(ctx, q, d.Characters[i], true) }},
			{"states", &c.States, len(d.States), func(i int) (int64, error) { return insertState(ctx, q, d.States[i], true) }},
			{"relationships", &c.Relationships, len(d.Relationships), func(i int) (int64, error) { return writeRelationship(ctx, q, d.Relationships[i], false) }},
			{"memories", &c.Memories, len(d.Memories), func(i int) (int64, error) { return importMemory(ctx, q, d.Memories[i]) }},
			{"vectors", &c.Vectors, len(d.Vectors), func(i int) (int64, error) { return writeVector(ctx, q, d.Vectors[i], true) }},
			{"events", &c.Events, len(d.Events), func(i int) (int64, error) { return insertEvent(ctx, q, d.Events[i], true) }},
			{"branches", &c.Branches, len(d.Branches), func(i int) (int64, error) { return insertBranch(ctx, q, d.Branches[i], true) }},
			{"messages", &c.Messages, len(d.Messages), func(i int) (int64, error) { return insertMessage(ctx, q, d.Messages[i], true) }},
			{"cards", &c.Cards, len(d.Cards), func(i int) (int64, error) { return insertCard(ctx, q, d.Cards[i]) }},
			{"lore_books", &c.LoreBooks, len(d.LoreBooks), func(i int) (int64, error) {
				if err := checkBookOwner(ctx, q, d.LoreBooks[i]); err != nil {
					return 0, err
				}
				return insertLoreBook(ctx, q, d.LoreBooks[i], true)
			}},
			{"lore_entries", &c.LoreEntries, len(d.LoreEntries), func(i int) (int64, error) { return insertLoreEntry(ctx, q, d.LoreEntries[i], true) }},
			{"personas", &c.Personas, len(d.Personas), func(i int) (int64, error) { return insertPersona(ctx, q, d.Personas[i]) }},
		}
		for _, step := range steps {
			for i := range step.n {
				n, err := step.one(i)
				if err != nil {
					return within(fmt.Sprintf("%s[%d]", step.table, i), err)
				}
				*step.count += n
			}
		}
		return nil
	})
	if errors.Is(err, errMissingReference) {
		err = fmt.Errorf("an event or branch refers to an event that is neither in the dataset nor in the store: %w", err)
	}
	if err != nil {
		return Counts{}, fmt.Errorf("import: %w", err)
	}
	return c, nil
}

// cloneDataset copies d deeply enough that preparing it leaves the caller's rows alone.
func cloneDataset(d *Dataset) *Dataset {
	c := &Dataset{
		Characters:    slices.Clone(d.Characters),
		States:        slices.Clone(d.States),
		Relationships: slices.Clone(d.Relationships),
		Memories:      slices.Clone(d.Memories),
		Vectors:       d.Vectors,
		Events:        slices.Clone(d.Events),
		Branches:      slices.Clone(d.Branches),
		Messages:      slices.Clone(d.Messages),
		Cards:         slices.Clone(d.Cards),
		LoreBooks:     slices.Clone(d.LoreBooks),
		LoreEntries:   slices.Clone(d.LoreEntries),
		Personas:      slices.Clone(d.Personas),
	}
	for i := range c.Relationships {
		c.Relationships[i].History = slices.Clone(c.Relationships[i].History)
	}
	return c
}

// prepareDataset validates every row, requires the keys that make import
// idempotent (so that preparing never invents a new ID), and normalises
// timestamps the way the Create methods do.
func prepareDataset(d *Dataset) error {
	tables := []struct {
		name    string
		n       int
		prepare func(i int) error
	}{
		{"characters", len(d.Characters), func(i int) error {
			return keyed("id", d.Characters[i].ID, func() error { return prepareCharacter(&d.Characters[i]) })
		}},
		{"states", len(d.States), func(i int) error {
			return keyed("character_id", d.States[i].CharacterID, func() error { return prepareState(&d.States[i]) })
		}},
		{"relationships", len(d.Relationships), func(i int) error {
			return keyed("character_id", d.Relationships[i].CharacterID, func() error { return prepareRelationship(&d.Relationships[i]) })
		}},
		{"memories", len(d.Memories), func(i int) error {
			return keyed("id", d.Memories[i].ID, func() error { return prepareMemory(&d.Memories[i]) })
		}},
		{"vectors", len(d.Vectors), func(i int) error { return validateVector(d.Vectors[i]) }},
		{"events", len(d.Events), func(i int) error {
			return keyed("id", d.Events[i].ID, func() error { return prepareEvent(&d.Events[i]) })
		}},
		{"branches", len(d.Branches), func(i int) error { return prepareBranch(&d.Branches[i]) }},
		{"messages", len(d.Messages), func(i int) error {
			return keyed("id", d.Messages[i].ID, func() error { return prepareMessage(&d.Messages[i]) })
		}},
		{"cards", len(d.Cards), func(i int) error {
			return keyed("character_id", d.Cards[i].CharacterID, func() error { return prepareCard(&d.Cards[i]) })
		}},
		{"lore_books", len(d.LoreBooks), func(i int) error {
			return keyed("id", d.LoreBooks[i].ID, func() error { return prepareLoreBook(&d.LoreBooks[i]) })
		}},
		{"lore_entries", len(d.LoreEntries), func(i int) error {
			return keyed("id", d.LoreEntries[i].ID, func() error { return prepareImportedLoreEntry(&d.LoreEntries[i]) })
		}},
		{"personas", len(d.Personas), func(i int) error {
			return keyed("user_id", d.Personas[i].UserID, func() error { return preparePersona(&d.Personas[i]) })
		}},
	}
	for _, t := range tables {
		for i := range t.n {
			if err := t.prepare(i); err != nil {
				return within(fmt.Sprintf("%s[%d]", t.name, i), err)
			}
		}
	}
	return nil
}

// keyed requires the key field of an imported row, then prepares the row.
func keyed(field, key string, prepare func() error) error {
	if err := required(field, key); err != nil {
		return err
	}
	return prepare()
}

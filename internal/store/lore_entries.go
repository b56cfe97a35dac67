package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mojin/charsim/internal/lore"
)

// LoreEntry is one entry of a lore book: every field of lore.Entry, plus
// what a card entry has that the engine does not use (Name, the numeric-ness
// of its id, whether optional fields were set, Extensions and Extra), so
// that an exported card says what the imported one said.
//
// The fields a card keeps in SillyTavern's extensions (whole words, depth,
// role, scan depth, the recursion flags, an extended position) hold the
// effective values; Extensions keeps the members as they were.
type LoreEntry struct {
	ID     string `json:"id"`
	BookID string `json:"book_id"`
	// Seq is the entry's place in its book (the order of the card's
	// entries), given by the store on create; lists come in this order.
	Seq int `json:"seq"`

	EntryID        string `json:"entry_id,omitempty"` // lore.Entry.ID: the card entry's id
	EntryIDNumeric bool   `json:"entry_id_numeric,omitempty"`
	Name           string `json:"name,omitempty"`
	Comment        string `json:"comment,omitempty"`
	Content        string `json:"content"`

	Keys          []string `json:"keys,omitempty"`
	SecondaryKeys []string `json:"secondary_keys,omitempty"`
	Selective     bool     `json:"selective,omitempty"`
	Logic         *int     `json:"logic,omitempty"` // lore.Logic; nil: not set (AND ANY)
	UseRegex      bool     `json:"use_regex,omitempty"`
	CaseSensitive *bool    `json:"case_sensitive,omitempty"`
	WholeWords    bool     `json:"whole_words,omitempty"`
	Constant      bool     `json:"constant,omitempty"`
	Enabled       bool     `json:"enabled"`

	InsertionOrder int  `json:"insertion_order"`
	Priority       *int `json:"priority,omitempty"`
	// Position is a lore.Position name, or "" for a card entry that names
	// none; see position.
	Position  string `json:"position,omitempty"`
	Depth     int    `json:"depth,omitempty"`
	Role      int    `json:"role,omitempty"` // lore.Role
	Outlet    string `json:"outlet,omitempty"`
	ScanDepth *int   `json:"scan_depth,omitempty"`

	ExcludeRecursion    bool `json:"exclude_recursion,omitempty"`
	PreventRecursion    bool `json:"prevent_recursion,omitempty"`
	DelayUntilRecursion bool `json:"delay_until_recursion,omitempty"`

	Extensions RawJSON   `json:"extensions,omitempty"`
	Extra      RawJSON   `json:"extra,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

const loreEntryColumns = `id, book_id, seq, entry_id, entry_id_numeric, name, comment, content, keys, secondary_keys,
	selective, logic, use_regex, case_sensitive, whole_words, constant, enabled, insertion_order, priority,
	position, depth, role, outlet, scan_depth, exclude_recursion, prevent_recursion, delay_until_recursion,
	extensions, extra, created_at, updated_at`

func scanLoreEntry(r rowScanner) (LoreEntry, error) {
	var e LoreEntry
	err := r.Scan(&e.ID, &e.BookID, &e.Seq, &e.EntryID, &e.EntryIDNumeric, &e.Name, &e.Comment, &e.Content,
		jsonList(&e.Keys), jsonList(&e.SecondaryKeys), &e.Selective, &e.Logic, &e.UseRegex, &e.CaseSensitive,
		&e.WholeWords, &e.Constant, &e.Enabled, &e.InsertionOrder, &e.Priority, &e.Position, &e.Depth, &e.Role,
		&e.Outlet, &e.ScanDepth, &e.ExcludeRecursion, &e.PreventRecursion, &e.DelayUntilRecursion,
		rawColumn{&e.Extensions}, rawColumn{&e.Extra}, &e.CreatedAt, &e.UpdatedAt)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// Entry is the entry in the engine's form.
func (e LoreEntry) Entry() lore.Entry {
	le := lore.Entry{
		ID: e.EntryID, Comment: e.Comment, Content: e.Content,
		Keys: e.Keys, SecondaryKeys: e.SecondaryKeys, Selective: e.Selective, UseRegex: e.UseRegex,
		WholeWords: e.WholeWords, Constant: e.Constant, Enabled: e.Enabled,
		InsertionOrder: e.InsertionOrder, Depth: e.Depth, Role: lore.Role(e.Role), Outlet: e.Outlet,
		ScanDepth: e.ScanDepth, ExcludeRecursion: e.ExcludeRecursion, PreventRecursion: e.PreventRecursion,
		DelayUntilRecursion: e.DelayUntilRecursion,
	}
	if le.ID == "" {
		le.ID = e.ID
	}
	if e.Logic != nil {
		le.Logic = lore.Logic(*e.Logic)
	}
	if e.CaseSensitive != nil {
		le.CaseSensitive = *e.CaseSensitive
	}
	if e.Priority != nil {
		le.Priority = *e.Priority
	}
	le.Position = e.position()
	return le
}

// position is where the entry goes: Position, else SillyTavern's number in
// extensions.position, else before_char. A card's "position" only has
// before_char and after_char, so SillyTavern writes the others (at depth,
// author's note, …) to extensions.position; keeping "" for an entry that
// named none is what lets its card export say exactly what it said.
func (e LoreEntry) position() lore.Position {
	if e.Position != "" {
		// validateLoreEntry made sure it parses.
		p, _ := lore.ParsePosition(e.Position)
		return p
	}
	var n int
	if raw, ok := e.Extensions["position"]; ok && json.Unmarshal(raw, &n) == nil &&
		n >= int(lore.PositionBeforeChar) && n <= int(lore.PositionOutlet) {
		return lore.Position(n)
	}
	return lore.PositionBeforeChar
}

func validateLoreEntry(e LoreEntry) error {
	if err := required("book_id", e.BookID); err != nil {
		return err
	}
	if e.Position != "" {
		if _, err := lore.ParsePosition(e.Position); err != nil {
			return invalid("position", "%v", err)
		}
	}
	if e.ScanDepth != nil {
		if err := inRange("scan_depth", *e.ScanDepth, 0, lore.MaxScanDepth); err != nil {
			return err
		}
	}
	if err := validRawJSON("extensions", e.Extensions); err != nil {
		return err
	}
	if err := validRawJSON("extra", e.Extra); err != nil {
		return err
	}
	// The engine's own check: keys that do not compile, unknown logic or
	// role, negative depths. Storing such an entry would only make it fail
	// on every turn.
	le := e.Entry()
	if err := le.Validate(); err != nil {
		return invalid(loreEntryField(le), "%v", err)
	}
	return nil
}

// loreEntryField names the field lore.Entry.Validate most likely refused,
// for a FieldError: the keys unless another field is out of range.
func loreEntryField(e lore.Entry) string {
	switch {
	case e.Logic < lore.LogicAndAny || e.Logic > lore.LogicAndAll:
		return "logic"
	case e.Role < lore.RoleSystem || e.Role > lore.RoleAssistant:
		return "role"
	case e.Depth < 0:
		return "depth"
	case e.Position == lore.PositionOutlet && e.Outlet == "":
		return "outlet"
	}
	probe := e
	probe.SecondaryKeys = nil
	if probe.Validate() == nil {
		return "secondary_keys"
	}
	return "keys"
}

// insertLoreEntry inserts e; with ifAbsent an existing ID is skipped (n == 0).
func insertLoreEntry(ctx context.Context, q querier, e LoreEntry, ifAbsent bool) (int64, error) {
	ext, err := e.Extensions.text()
	if err != nil {
		return 0, err
	}
	extra, err := e.Extra.text()
	if err != nil {
		return 0, err
	}
	n, err := q.exec(ctx, `INSERT INTO lore_entries (`+loreEntryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
		$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)`+
		onConflictDoNothing("id", ifAbsent),
		e.ID, e.BookID, e.Seq, e.EntryID, e.EntryIDNumeric, e.Name, e.Comment, e.Content,
		stringsJSON(e.Keys), stringsJSON(e.SecondaryKeys), e.Selective, e.Logic, e.UseRegex, e.CaseSensitive,
		e.WholeWords, e.Constant, e.Enabled, e.InsertionOrder, e.Priority, e.Position, e.Depth, e.Role,
		e.Outlet, e.ScanDepth, e.ExcludeRecursion, e.PreventRecursion, e.DelayUntilRecursion,
		ext, extra, e.CreatedAt, e.UpdatedAt)
	if errors.Is(err, errMissingReference) {
		return 0, fmt.Errorf("lore book %q: %w", e.BookID, ErrNotFound)
	}
	return n, err
}

// prepareImportedLoreEntry validates an imported entry, which keeps its
// place in its book, and normalises its times.
func prepareImportedLoreEntry(e *LoreEntry) error {
	if err := validateLoreEntry(*e); err != nil {
		return err
	}
	e.CreatedAt = timeOrNow(e.CreatedAt)
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = e.CreatedAt
	}
	e.UpdatedAt = storedTime(e.UpdatedAt)
	return nil
}

// appendLoreEntry validates e and inserts it at the end of its book.
func appendLoreEntry(ctx context.Context, q querier, lockSuffix string, e *LoreEntry) error {
	if err := validateLoreEntry(*e); err != nil {
		return err
	}
	if err := ensureID(&e.ID); err != nil {
		return err
	}
	e.CreatedAt = timeOrNow(e.CreatedAt)
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = e.CreatedAt
	}
	e.UpdatedAt = storedTime(e.UpdatedAt)
	// The book row is locked first, so concurrent appends to one book get
	// different places.
	if _, err := getLoreBook(ctx, q, e.BookID, lockSuffix); err != nil {
		return err
	}
	if err := q.queryRow(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM lore_entries WHERE book_id = $1`, e.BookID).Scan(&e.Seq); err != nil {
		return fmt.Errorf("next place in lore book: %w", err)
	}
	_, err := insertLoreEntry(ctx, q, *e, false)
	return err
}

func (s *sqlStore) CreateLoreEntry(ctx context.Context, e LoreEntry) (LoreEntry, error) {
	err := s.db.inTx(ctx, func(q querier) error { return appendLoreEntry(ctx, q, s.db.lockRowSuffix(), &e) })
	if err != nil {
		return LoreEntry{}, fmt.Errorf("create lore entry: %w", err)
	}
	return e, nil
}

func getLoreEntry(ctx context.Context, q querier, id, suffix string) (LoreEntry, error) {
	e, err := scanLoreEntry(q.queryRow(ctx, `SELECT `+loreEntryColumns+` FROM lore_entries WHERE id = $1`+suffix, id))
	return e, notFound(err, "lore entry", id)
}

func (s *sqlStore) GetLoreEntry(ctx context.Context, id string) (LoreEntry, error) {
	e, err := getLoreEntry(ctx, s.db.reader(), id, "")
	if err != nil {
		return LoreEntry{}, fmt.Errorf("get lore entry: %w", err)
	}
	return e, nil
}

func (s *sqlStore) ListLoreEntries(ctx context.Context, bookID string) ([]LoreEntry, error) {
	var es []LoreEntry
	err := s.db.snapshot(ctx, func(q querier) error {
		if _, err := getLoreBook(ctx, q, bookID, ""); err != nil {
			return err
		}
		var err error
		es, err = collect(ctx, q, scanLoreEntry, `SELECT `+loreEntryColumns+` FROM lore_entries WHERE book_id = $1 ORDER BY seq, id`, bookID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list lore entries: %w", err)
	}
	return es, nil
}

func (s *sqlStore) UpdateLoreEntry(ctx context.Context, id string, update func(*LoreEntry) error) (LoreEntry, error) {
	var e LoreEntry
	err := s.db.inTx(ctx, func(q querier) error {
		var err error
		if e, err = getLoreEntry(ctx, q, id, s.db.lockRowSuffix()); err != nil {
			return err
		}
		book, seq, created := e.BookID, e.Seq, e.CreatedAt
		if err := update(&e); err != nil {
			return err
		}
		// The row's identity and place are the store's.
		e.ID, e.BookID, e.Seq, e.CreatedAt = id, book, seq, created
		if err := validateLoreEntry(e); err != nil {
			return err
		}
		ext, err := e.Extensions.text()
		if err != nil {
			return err
		}
		extra, err := e.Extra.text()
		if err != nil {
			return err
		}
		e.UpdatedAt = now()
		_, err = q.exec(ctx, `UPDATE lore_entries SET entry_id = $2, entry_id_numeric = $3, name = $4, comment = $5,
			content = $6, keys = $7, secondary_keys = $8, selective = $9, logic = $10, use_regex = $11,
			case_sensitive = $12, whole_words = $13, constant = $14, enabled = $15, insertion_order = $16,
			priority = $17, position = $18, depth = $19, role = $20, outlet = $21, scan_depth = $22,
			exclude_recursion = $23, prevent_recursion = $24, delay_until_recursion = $25, extensions = $26,
			extra = $27, updated_at = $28 WHERE id = $1`,
			e.ID, e.EntryID, e.EntryIDNumeric, e.Name, e.Comment, e.Content, stringsJSON(e.Keys),
			stringsJSON(e.SecondaryKeys), e.Selective, e.Logic, e.UseRegex, e.CaseSensitive, e.WholeWords,
			e.Constant, e.Enabled, e.InsertionOrder, e.Priority, e.Position, e.Depth, e.Role, e.Outlet,
			e.ScanDepth, e.ExcludeRecursion, e.PreventRecursion, e.DelayUntilRecursion, ext, extra, e.UpdatedAt)
		return err
	})
	if err != nil {
		return LoreEntry{}, fmt.Errorf("update lore entry: %w", err)
	}
	return e, nil
}

func (s *sqlStore) DeleteLoreEntry(ctx context.Context, id string) error {
	err := s.db.inTx(ctx, func(q querier) error {
		n, err := q.exec(ctx, `DELETE FROM lore_entries WHERE id = $1`, id)
		return requireRow(n, err, "lore entry", id)
	})
	if err != nil {
		return fmt.Errorf("delete lore entry: %w", err)
	}
	return nil
}

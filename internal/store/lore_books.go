package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mojin/charsim/internal/lore"
)

// LoreScope says whom a lore book belongs to; see lore.Scope for how the
// scopes stack.
type LoreScope string

// Lore scopes.
const (
	LoreScopeCharacter LoreScope = "character" // OwnerID is a character ID
	LoreScopeWorld     LoreScope = "world"     // OwnerID is empty: every character
	LoreScopeChannel   LoreScope = "channel"   // OwnerID is a channel ID
)

// LoreScopes lists the valid scopes, for validation and tool schemas.
var LoreScopes = []LoreScope{LoreScopeCharacter, LoreScopeWorld, LoreScopeChannel}

// LoreBook is a lorebook (a card's character_book, or one written through
// the lore tools). The pointer fields are nil when not set, which a card
// tells apart from zero, so that an exported card says what it said.
type LoreBook struct {
	ID                string    `json:"id"`
	Name              string    `json:"name,omitempty"`
	Description       string    `json:"description,omitempty"`
	Scope             LoreScope `json:"scope"`
	OwnerID           string    `json:"owner_id,omitempty"`
	ScanDepth         *int      `json:"scan_depth,omitempty"`
	TokenBudget       *int      `json:"token_budget,omitempty"`
	RecursiveScanning *bool     `json:"recursive_scanning,omitempty"`
	MaxRecursionSteps int       `json:"max_recursion_steps,omitempty"`
	Extensions        RawJSON   `json:"extensions,omitempty"`
	Extra             RawJSON   `json:"extra,omitempty"` // the card book's members charsim has no field for
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// LoreBookFilter selects books by scope and owner; empty fields match all.
type LoreBookFilter struct {
	Scope   LoreScope
	OwnerID string
}

const loreBookColumns = `id, name, description, scope, owner_id, scan_depth, token_budget, recursive_scanning,
	max_recursion_steps, extensions, extra, created_at, updated_at`

func scanLoreBook(r rowScanner) (LoreBook, error) {
	var b LoreBook
	err := r.Scan(&b.ID, &b.Name, &b.Description, &b.Scope, &b.OwnerID, &b.ScanDepth, &b.TokenBudget,
		&b.RecursiveScanning, &b.MaxRecursionSteps, rawColumn{&b.Extensions}, rawColumn{&b.Extra},
		&b.CreatedAt, &b.UpdatedAt)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, err
}

func validateLoreBook(b LoreBook) error {
	switch b.Scope {
	case LoreScopeWorld:
		if b.OwnerID != "" {
			return invalid("owner_id", "must be empty for a world book")
		}
	case LoreScopeCharacter, LoreScopeChannel:
		if err := required("owner_id", b.OwnerID); err != nil {
			return err
		}
	default:
		return invalid("scope", "must be one of %v, got %q", LoreScopes, b.Scope)
	}
	if b.ScanDepth != nil {
		if err := inRange("scan_depth", *b.ScanDepth, 0, lore.MaxScanDepth); err != nil {
			return err
		}
	}
	if b.TokenBudget != nil && *b.TokenBudget < 0 {
		return invalid("token_budget", "must not be negative, got %d", *b.TokenBudget)
	}
	if b.MaxRecursionSteps < 0 {
		return invalid("max_recursion_steps", "must not be negative, got %d", b.MaxRecursionSteps)
	}
	if err := validRawJSON("extensions", b.Extensions); err != nil {
		return err
	}
	return validRawJSON("extra", b.Extra)
}

// prepareLoreBook validates b and fills its ID and times.
func prepareLoreBook(b *LoreBook) error {
	if err := validateLoreBook(*b); err != nil {
		return err
	}
	if err := ensureID(&b.ID); err != nil {
		return err
	}
	b.CreatedAt = timeOrNow(b.CreatedAt)
	if b.UpdatedAt.IsZero() {
		b.UpdatedAt = b.CreatedAt
	}
	b.UpdatedAt = storedTime(b.UpdatedAt)
	return nil
}

// checkBookOwner makes a character book's owner an existing character, so
// that deleting the character can find its books.
func checkBookOwner(ctx context.Context, q querier, b LoreBook) error {
	if b.Scope != LoreScopeCharacter {
		return nil
	}
	if err := characterExists(ctx, q, b.OwnerID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return invalid("owner_id", "character %q does not exist", b.OwnerID)
		}
		return err
	}
	return nil
}

// insertLoreBook inserts b; with ifAbsent an existing ID is skipped (n == 0).
func insertLoreBook(ctx context.Context, q querier, b LoreBook, ifAbsent bool) (int64, error) {
	ext, err := b.Extensions.text()
	if err != nil {
		return 0, err
	}
	extra, err := b.Extra.text()
	if err != nil {
		return 0, err
	}
	return q.exec(ctx, `INSERT INTO lore_books (`+loreBookColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`+onConflictDoNothing("id", ifAbsent),
		b.ID, b.Name, b.Description, b.Scope, b.OwnerID, b.ScanDepth, b.TokenBudget, b.RecursiveScanning,
		b.MaxRecursionSteps, ext, extra, b.CreatedAt, b.UpdatedAt)
}

func (s *sqlStore) CreateLoreBook(ctx context.Context, b LoreBook) (LoreBook, error) {
	if err := prepareLoreBook(&b); err != nil {
		return LoreBook{}, err
	}
	err := s.db.inTx(ctx, func(q querier) error {
		if err := checkBookOwner(ctx, q, b); err != nil {
			return err
		}
		_, err := insertLoreBook(ctx, q, b, false)
		return err
	})
	if err != nil {
		return LoreBook{}, fmt.Errorf("create lore book: %w", err)
	}
	return b, nil
}

func getLoreBook(ctx context.Context, q querier, id, suffix string) (LoreBook, error) {
	b, err := scanLoreBook(q.queryRow(ctx, `SELECT `+loreBookColumns+` FROM lore_books WHERE id = $1`+suffix, id))
	return b, notFound(err, "lore book", id)
}

func (s *sqlStore) GetLoreBook(ctx context.Context, id string) (LoreBook, error) {
	b, err := getLoreBook(ctx, s.db.reader(), id, "")
	if err != nil {
		return LoreBook{}, fmt.Errorf("get lore book: %w", err)
	}
	return b, nil
}

func (s *sqlStore) ListLoreBooks(ctx context.Context, f LoreBookFilter) ([]LoreBook, error) {
	var args queryArgs
	where := `TRUE`
	if f.Scope != "" {
		where += ` AND scope = ` + args.add(f.Scope)
	}
	if f.OwnerID != "" {
		where += ` AND owner_id = ` + args.add(f.OwnerID)
	}
	bs, err := collect(ctx, s.db.reader(), scanLoreBook,
		`SELECT `+loreBookColumns+` FROM lore_books WHERE `+where+` ORDER BY scope, owner_id, created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list lore books: %w", err)
	}
	return bs, nil
}

func (s *sqlStore) UpdateLoreBook(ctx context.Context, id string, update func(*LoreBook) error) (LoreBook, error) {
	var b LoreBook
	err := s.db.inTx(ctx, func(q querier) error {
		var err error
		if b, err = getLoreBook(ctx, q, id, s.db.lockRowSuffix()); err != nil {
			return err
		}
		if err := update(&b); err != nil {
			return err
		}
		// The ID addresses the row; update must not move it.
		b.ID = id
		if err := validateLoreBook(b); err != nil {
			return err
		}
		if err := checkBookOwner(ctx, q, b); err != nil {
			return err
		}
		ext, err := b.Extensions.text()
		if err != nil {
			return err
		}
		extra, err := b.Extra.text()
		if err != nil {
			return err
		}
		b.UpdatedAt = now()
		_, err = q.exec(ctx, `UPDATE lore_books SET name = $2, description = $3, scope = $4, owner_id = $5,
			scan_depth = $6, token_budget = $7, recursive_scanning = $8, max_recursion_steps = $9,
			extensions = $10, extra = $11, updated_at = $12 WHERE id = $1`,
			b.ID, b.Name, b.Description, b.Scope, b.OwnerID, b.ScanDepth, b.TokenBudget, b.RecursiveScanning,
			b.MaxRecursionSteps, ext, extra, b.UpdatedAt)
		return err
	})
	if err != nil {
		return LoreBook{}, fmt.Errorf("update lore book: %w", err)
	}
	return b, nil
}

func (s *sqlStore) DeleteLoreBook(ctx context.Context, id string) error {
	err := s.db.inTx(ctx, func(q querier) error {
		// Entries cascade.
		n, err := q.exec(ctx, `DELETE FROM lore_books WHERE id = $1`, id)
		return requireRow(n, err, "lore book", id)
	})
	if err != nil {
		return fmt.Errorf("delete lore book: %w", err)
	}
	return nil
}

// Book is the book in the engine's form, with its entries.
func (b LoreBook) Book(entries []LoreEntry) lore.Book {
	scope := map[LoreScope]lore.Scope{LoreScopeCharacter: lore.ScopeCharacter, LoreScopeWorld: lore.ScopeWorld, LoreScopeChannel: lore.ScopeChannel}[b.Scope]
	lb := lore.Book{Name: b.Name, Scope: scope, ScanDepth: b.ScanDepth, MaxRecursionSteps: b.MaxRecursionSteps}
	if lb.Name == "" {
		// The engine treats same-named books as one; an unnamed book is its own.
		lb.Name = b.ID
	}
	if b.TokenBudget != nil {
		lb.TokenBudget = *b.TokenBudget
	}
	if b.RecursiveScanning != nil {
		lb.RecursiveScanning = *b.RecursiveScanning
	}
	for _, e := range entries {
		lb.Entries = append(lb.Entries, e.Entry())
	}
	return lb
}

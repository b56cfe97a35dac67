package lore

import (
	"errors"
	"fmt"
)

// ScanDepth returns a pointer to n, for Book.ScanDepth and Entry.ScanDepth.
func ScanDepth(n int) *int { return &n }

// Validate reports what is wrong with an entry before it is stored, so the
// lore tools can refuse it with a message instead of Activate reporting it
// on every turn: keys that do not compile (RE2 has no lookaround or
// backreferences), an unknown selective logic, position or role, and
// negative depths. Macros in keys are checked as written.
func (e *Entry) Validate() error {
	var errs []error
	switch e.Logic {
	case LogicAndAny, LogicNotAll, LogicNotAny, LogicAndAll:
	default:
		errs = append(errs, fmt.Errorf("unknown selective logic %d", int(e.Logic)))
	}
	if _, ok := positionNames[e.Position]; !ok {
		errs = append(errs, fmt.Errorf("unknown position %d", int(e.Position)))
	}
	switch e.Role {
	case RoleSystem, RoleUser, RoleAssistant:
	default:
		errs = append(errs, fmt.Errorf("unknown role %d", int(e.Role)))
	}
	if e.Depth < 0 {
		errs = append(errs, fmt.Errorf("negative depth %d", e.Depth))
	}
	if e.ScanDepth != nil && *e.ScanDepth < 0 {
		errs = append(errs, fmt.Errorf("negative scan depth %d", *e.ScanDepth))
	}
	if e.Position == PositionOutlet && e.Outlet == "" {
		errs = append(errs, errors.New("an outlet entry needs an outlet name"))
	}
	for _, keys := range [][]string{e.Keys, e.SecondaryKeys} {
		for _, k := range keys {
			if _, _, err := compileKey(k, e, macros{}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Validate reports what is wrong with a book and its entries.
func (b *Book) Validate() error {
	var errs []error
	if b.ScanDepth != nil && *b.ScanDepth < 0 {
		errs = append(errs, fmt.Errorf("negative scan depth %d", *b.ScanDepth))
	}
	if b.TokenBudget < 0 {
		errs = append(errs, fmt.Errorf("negative token budget %d", b.TokenBudget))
	}
	if b.MaxRecursionSteps < 0 {
		errs = append(errs, fmt.Errorf("negative max recursion steps %d", b.MaxRecursionSteps))
	}
	if b.Scope.precedence() > int(ScopeWorld) {
		errs = append(errs, fmt.Errorf("unknown scope %d", int(b.Scope)))
	}
	for i := range b.Entries {
		if err := b.Entries[i].Validate(); err != nil {
			ref := EntryRef{Scope: b.Scope, Book: b.Name, ID: b.Entries[i].ID, Index: i}
			errs = append(errs, fmt.Errorf("entry %s: %w", ref, err))
		}
	}
	return errors.Join(errs...)
}

package mcpserver

import (
	"context"
	"errors"
	"strings"

	"github.com/mojin/charsim/internal/lore"
	"github.com/mojin/charsim/internal/store"
)

// loreOwnerArgs address the books of one scope.
type loreOwnerArgs struct {
	Scope string `json:"scope" jsonschema:"Whose lore: character (one character's own book), world (shared by every character) or channel (one channel's)."`
	Owner string `json:"owner,omitempty" jsonschema:"For scope character the character's ID or name, for scope channel the channel ID; omit for world."`
}

// loreEntryFields are the fields of an entry a tool call may set; nil
// keeps (update) or defaults (add) the field.
type loreEntryFields struct {
	Content             *string   `json:"content,omitempty" jsonschema:"The text inserted into the prompt when the entry activates. {{char}} and {{user}} are replaced then."`
	Keys                *[]string `json:"keys,omitempty" jsonschema:"Primary keys: the entry activates when any appears in the recent messages. /pattern/flags is a regular expression (RE2: no lookaround or backreferences)."`
	SecondaryKeys       *[]string `json:"secondary_keys,omitempty" jsonschema:"Secondary keys, combined with a primary match by selective_logic; giving any makes the entry selective."`
	SelectiveLogic      *string   `json:"selective_logic,omitempty" jsonschema:"How secondary keys combine: and_any (default), and_all, not_any or not_all."`
	Comment             *string   `json:"comment,omitempty" jsonschema:"A title or note for authors; never scanned or inserted."`
	Name                *string   `json:"name,omitempty" jsonschema:"The entry's name (a card field), e.g. Castle."`
	Constant            *bool     `json:"constant,omitempty" jsonschema:"Always insert the entry, without any key."`
	Enabled             *bool     `json:"enabled,omitempty" jsonschema:"A disabled entry never activates (default true)."`
	UseRegex            *bool     `json:"use_regex,omitempty" jsonschema:"Read every key as a regular expression, slashes optional."`
	CaseSensitive       *bool     `json:"case_sensitive,omitempty" jsonschema:"Match plain keys with exact case."`
	WholeWords          *bool     `json:"whole_words,omitempty" jsonschema:"Match plain keys only as whole words."`
	InsertionOrder      *int      `json:"insertion_order,omitempty" jsonschema:"Place in the prompt: lower comes earlier."`
	Priority            *int      `json:"priority,omitempty" jsonschema:"What the token budget keeps: higher survives."`
	Position            *string   `json:"position,omitempty" jsonschema:"Where the content goes: before_char (default), after_char, before_examples, after_examples, an_top, an_bottom, at_depth or outlet."`
	Depth               *int      `json:"depth,omitempty" jsonschema:"For position at_depth: messages from the end (0 = after the last)."`
	Outlet              *string   `json:"outlet,omitempty" jsonschema:"For position outlet: the outlet's name."`
	ScanDepth           *int      `json:"scan_depth,omitempty" jsonschema:"How many recent messages to scan for this entry's keys, instead of the book's."`
	ExcludeRecursion    *bool     `json:"exclude_recursion,omitempty" jsonschema:"Only messages activate the entry, not other entries' content."`
	PreventRecursion    *bool     `json:"prevent_recursion,omitempty" jsonschema:"The entry's content activates no other entry."`
	DelayUntilRecursion *bool     `json:"delay_until_recursion,omitempty" jsonschema:"The entry activates only through other entries' content."`
}

var loreEntryRules = []schemaRule{
	oneOf("selective_logic", []string{"and_any", "and_all", "not_any", "not_all"}),
	oneOf("position", []string{"before_char", "after_char", "before_examples", "after_examples", "an_top", "an_bottom", "at_depth", "outlet"}),
	between("scan_depth", 0, lore.MaxScanDepth), between("depth", 0, 10000),
}

type addLoreEntryInput struct {
	loreOwnerArgs
	Book string `json:"book,omitempty" jsonschema:"ID of the book to add to; omit for the owner's first book of the scope, which is created when there is none."`
	loreEntryFields
}

type updateLoreEntryInput struct {
	Entry string `json:"entry" jsonschema:"ID of the lore entry (list_lore shows them)."`
	loreEntryFields
}

type deleteLoreEntryInput struct {
	Entry string `json:"entry" jsonschema:"ID of the lore entry to delete (list_lore shows them)."`
}

type listLoreInput struct {
	loreOwnerArgs
}

type loreBookWithEntries struct {
	store.LoreBook
	Entries []store.LoreEntry `json:"entries"`
}

type loreList struct {
	Books []loreBookWithEntries `json:"books"`
}

type deletedLoreEntry struct {
	DeletedID string `json:"deleted_id"`
	BookID    string `json:"book_id"`
}

func (s *Server) registerLoreTools() {
	addTool(s, toolInfo{
		name: "add_lore_entry",
		description: "Add a lorebook (world info) entry: authored canon inserted into the prompt when its keys come up. " +
			"Use for facts of the world, places, people; use remember for what happened in the story instead.",
		rules: append([]schemaRule{oneOf("scope", store.LoreScopes)}, loreEntryRules...),
	}, s.addLoreEntry)

	addTool(s, toolInfo{
		name:        "update_lore_entry",
		description: "Change parts of a lore entry (content, keys, logic, position, …). Only the arguments you pass change.",
		rules:       loreEntryRules,
	}, s.updateLoreEntry)

	addTool(s, toolInfo{
		name:        "delete_lore_entry",
		description: "Delete a lore entry for good. Use when a piece of canon is wrong or no longer wanted.",
		destructive: true,
	}, func(ctx context.Context, in deleteLoreEntryInput) (deletedLoreEntry, error) {
		e, err := s.store.GetLoreEntry(ctx, in.Entry)
		if err != nil {
			return deletedLoreEntry{}, unknown(err, "entry", in.Entry)
		}
		if err := s.store.DeleteLoreEntry(ctx, e.ID); err != nil {
			return deletedLoreEntry{}, unknown(err, "entry", in.Entry)
		}
		return deletedLoreEntry{DeletedID: e.ID, BookID: e.BookID}, nil
	})

	addTool(s, toolInfo{
		name: "list_lore",
		description: "List the lore books of a scope (a character's own, the world's, or a channel's) with their entries, " +
			"in book order. Use to find entry IDs or to check what canon exists.",
		readOnly: true,
		rules:    []schemaRule{oneOf("scope", store.LoreScopes)},
	}, s.listLore)
}

// loreOwner resolves the scope and owner arguments to the store's.
func (s *Server) loreOwner(ctx context.Context, in loreOwnerArgs) (store.LoreScope, string, error) {
	scope := store.LoreScope(strings.TrimSpace(in.Scope))
	owner := strings.TrimSpace(in.Owner)
	switch scope {
	case store.LoreScopeWorld:
		if owner != "" {
			return "", "", badArgument("owner", "must be omitted for scope world")
		}
		return scope, "", nil
	case store.LoreScopeChannel:
		if owner == "" {
			return "", "", badArgument("owner", "is required for scope channel: give the channel ID")
		}
		return scope, owner, nil
	case store.LoreScopeCharacter:
		if owner == "" {
			return "", "", badArgument("owner", "is required for scope character: give the character's ID or name")
		}
		c, err := s.resolveCharacter(ctx, owner)
		var argErr *argumentError
		if errors.As(err, &argErr) {
			return "", "", badArgument("owner", "%s", argErr.problem)
		}
		return scope, c.ID, err
	}
	return "", "", badArgument("scope", "must be character, world or channel, got %q", in.Scope)
}

// apply sets the given fields on e.
func (f loreEntryFields) apply(e *store.LoreEntry) error {
	setIfGiven(&e.Content, f.Content)
	setIfGiven(&e.Keys, f.Keys)
	if f.SecondaryKeys != nil {
		e.SecondaryKeys = *f.SecondaryKeys
		e.Selective = len(e.SecondaryKeys) > 0
	}
	if f.SelectiveLogic != nil {
		l, err := lore.ParseLogic(*f.SelectiveLogic)
		if err != nil {
			return badArgument("selective_logic", "%v", err)
		}
		n := int(l)
		e.Logic = &n
	}
	setIfGiven(&e.Comment, f.Comment)
	setIfGiven(&e.Name, f.Name)
	setIfGiven(&e.Constant, f.Constant)
	setIfGiven(&e.Enabled, f.Enabled)
	setIfGiven(&e.UseRegex, f.UseRegex)
	if f.CaseSensitive != nil {
		e.CaseSensitive = new(*f.CaseSensitive)
	}
	setIfGiven(&e.WholeWords, f.WholeWords)
	setIfGiven(&e.InsertionOrder, f.InsertionOrder)
	if f.Priority != nil {
		e.Priority = new(*f.Priority)
	}
	if f.Position != nil {
		if _, err := lore.ParsePosition(*f.Position); err != nil {
			return badArgument("position", "%v", err)
		}
		e.Position = *f.Position
	}
	setIfGiven(&e.Depth, f.Depth)
	setIfGiven(&e.Outlet, f.Outlet)
	if f.ScanDepth != nil {
		e.ScanDepth = new(*f.ScanDepth)
	}
	setIfGiven(&e.ExcludeRecursion, f.ExcludeRecursion)
	setIfGiven(&e.PreventRecursion, f.PreventRecursion)
	setIfGiven(&e.DelayUntilRecursion, f.DelayUntilRecursion)
	return nil
}

func setIfGiven[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// validateLoreFields refuses, naming the argument, what the engine would
// refuse; the store checks again, but its field names are the store's.
func validateLoreFields(e store.LoreEntry) error {
	le := e.Entry()
	if err := le.Validate(); err != nil {
		arg := "keys"
		probe := le
		probe.SecondaryKeys = nil
		switch {
		case le.Position == lore.PositionOutlet && le.Outlet == "":
			arg = "outlet"
		case probe.Validate() == nil:
			arg = "secondary_keys"
		}
		return badArgument(arg, "%v", err)
	}
	return nil
}

func (s *Server) addLoreEntry(ctx context.Context, in addLoreEntryInput) (store.LoreEntry, error) {
	if in.Content == nil || strings.TrimSpace(*in.Content) == "" {
		return store.LoreEntry{}, badArgument("content", "is required: the text to insert")
	}
	if (in.Keys == nil || len(*in.Keys) == 0) && (in.Constant == nil || !*in.Constant) {
		return store.LoreEntry{}, badArgument("keys", "is required unless the entry is constant")
	}
	scope, owner, err := s.loreOwner(ctx, in.loreOwnerArgs)
	if err != nil {
		return store.LoreEntry{}, err
	}
	e := store.LoreEntry{Enabled: true}
	if err := in.apply(&e); err != nil {
		return store.LoreEntry{}, err
	}
	if err := validateLoreFields(e); err != nil {
		return store.LoreEntry{}, err
	}
	book, err := s.loreBookFor(ctx, scope, owner, strings.TrimSpace(in.Book))
	if err != nil {
		return store.LoreEntry{}, err
	}
	e.BookID = book.ID
	return s.store.CreateLoreEntry(ctx, e)
}

// loreBookFor is the book an entry is added to: the one named, which must
// belong to the scope and owner, or the owner's first, created if need be.
func (s *Server) loreBookFor(ctx context.Context, scope store.LoreScope, owner, id string) (store.LoreBook, error) {
	if id != "" {
		b, err := s.store.GetLoreBook(ctx, id)
		if err != nil {
			return store.LoreBook{}, unknown(err, "book", id)
		}
		if b.Scope != scope || b.OwnerID != owner {
			return store.LoreBook{}, badArgument("book", "%q belongs to scope %s, owner %q, not to the scope and owner given", id, b.Scope, b.OwnerID)
		}
		return b, nil
	}
	books, err := s.store.ListLoreBooks(ctx, store.LoreBookFilter{Scope: scope, OwnerID: owner})
	if err != nil {
		return store.LoreBook{}, err
	}
	if len(books) > 0 {
		return books[0], nil
	}
	return s.store.CreateLoreBook(ctx, store.LoreBook{Scope: scope, OwnerID: owner})
}

func (s *Server) updateLoreEntry(ctx context.Context, in updateLoreEntryInput) (store.LoreEntry, error) {
	if in.loreEntryFields == (loreEntryFields{}) {
		return store.LoreEntry{}, nothingToChange("content", "keys", "secondary_keys", "selective_logic", "comment",
			"name", "constant", "enabled", "use_regex", "case_sensitive", "whole_words", "insertion_order", "priority",
			"position", "depth", "outlet", "scan_depth", "exclude_recursion", "prevent_recursion", "delay_until_recursion")
	}
	e, err := s.store.UpdateLoreEntry(ctx, in.Entry, func(e *store.LoreEntry) error {
		if err := in.apply(e); err != nil {
			return err
		}
		return validateLoreFields(*e)
	})
	return e, unknown(err, "entry", in.Entry)
}

func (s *Server) listLore(ctx context.Context, in listLoreInput) (loreList, error) {
	scope, owner, err := s.loreOwner(ctx, in.loreOwnerArgs)
	if err != nil {
		return loreList{}, err
	}
	books, err := s.store.ListLoreBooks(ctx, store.LoreBookFilter{Scope: scope, OwnerID: owner})
	if err != nil {
		return loreList{}, err
	}
	out := loreList{Books: []loreBookWithEntries{}}
	for _, b := range books {
		entries, err := s.store.ListLoreEntries(ctx, b.ID)
		if err != nil {
			return loreList{}, err
		}
		if entries == nil {
			entries = []store.LoreEntry{}
		}
		out.Books = append(out.Books, loreBookWithEntries{LoreBook: b, Entries: entries})
	}
	return out, nil
}

package mcpserver

import (
	"encoding/json"
	"maps"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/lore"
	"github.com/mojin/charsim/internal/store"
)

// A card and charsim's model meet here, in both directions. The mapping:
//
//	card                       charsim
//	name                       Character.Name
//	personality                Character.Personality
//	description                Character.Background
//	mes_example                Character.SpeechPatterns; prompts show its <START> blocks as example dialogue
//	extensions.charsim         Character.Goals and Style (only charsim writes it)
//	character_book             the character's own lore book (scope character)
//	nickname                   what {{char}} stands for (read from the stored card, see card_persona.go)
//	scenario                   the prompt's Scenario line
//	system_prompt              replaces the prompt's opening; {{original}} inserts charsim's
//	post_history_instructions  replaces the instructions after the conversation, likewise
//	first_mes, alternate_greetings, group_only_greetings
//	                           get_character's greetings
//	creator_notes (+ _multilingual)
//	                           kept, never put in a prompt
//	everything else            kept in the stored original card (tags, creator,
//	                           assets, extensions, unknown members, …)
//
// Export starts from the stored original and lays the character's current
// fields and lore book over it, so whatever the model has no field for is
// written back as it was read.

// charsimExtension is the extensions key under which an exported card keeps
// the persona fields a card has no place for.
const charsimExtension = "charsim"

type charsimFields struct {
	Goals []string `json:"goals,omitempty"`
	Style string   `json:"style,omitempty"`
}

// characterFromCard is the character a card describes.
func characterFromCard(c *card.Card) store.Character {
	ch := store.Character{
		Name: c.Name, Personality: c.Personality, Background: c.Description, SpeechPatterns: c.MesExample,
	}
	var extra charsimFields
	if raw, ok := c.Extensions[charsimExtension]; ok && json.Unmarshal(raw, &extra) == nil {
		ch.Goals, ch.Style = extra.Goals, extra.Style
	}
	return ch
}

// overlayCharacter writes the character's current fields into the card.
func overlayCharacter(c *card.Card, ch store.Character) error {
	c.Name, c.Personality, c.Description, c.MesExample = ch.Name, ch.Personality, ch.Background, ch.SpeechPatterns
	var prev charsimFields
	if raw, ok := c.Extensions[charsimExtension]; ok {
		_ = json.Unmarshal(raw, &prev) // a foreign value is replaced only if the fields changed
	}
	cur := charsimFields{Goals: ch.Goals, Style: ch.Style}
	if equalFields(prev, cur) {
		return nil
	}
	c.Extensions = maps.Clone(c.Extensions)
	if c.Extensions == nil {
		c.Extensions = card.Raw{}
	}
	if len(cur.Goals) == 0 && cur.Style == "" {
		delete(c.Extensions, charsimExtension)
		return nil
	}
	return c.Extensions.Set(charsimExtension, cur)
}

func equalFields(a, b charsimFields) bool {
	if a.Style != b.Style || len(a.Goals) != len(b.Goals) {
		return false
	}
	for i := range a.Goals {
		if a.Goals[i] != b.Goals[i] {
			return false
		}
	}
	return true
}

// bookFromCard is the lore book of a card's character_book, without owner.
func bookFromCard(b *card.Book) (store.LoreBook, []store.LoreEntry) {
	book := store.LoreBook{
		Name: b.Name, Description: b.Description, Scope: store.LoreScopeCharacter,
		ScanDepth: b.ScanDepth, TokenBudget: b.TokenBudget, RecursiveScanning: b.RecursiveScanning,
		Extensions: store.RawJSON(b.Extensions), Extra: store.RawJSON(b.Extra),
	}
	entries := make([]store.LoreEntry, 0, len(b.Entries))
	for i := range b.Entries {
		entries = append(entries, entryFromCard(&b.Entries[i]))
	}
	return book, entries
}

// bookToCard is the character_book of a lore book.
func bookToCard(b store.LoreBook, entries []store.LoreEntry) (*card.Book, error) {
	cb := &card.Book{
		Name: b.Name, Description: b.Description, ScanDepth: b.ScanDepth, TokenBudget: b.TokenBudget,
		RecursiveScanning: b.RecursiveScanning, Extensions: card.Raw(b.Extensions), Extra: card.Raw(b.Extra),
	}
	for _, e := range entries {
		ce, err := entryToCard(e)
		if err != nil {
			return nil, err
		}
		cb.Entries = append(cb.Entries, ce)
	}
	return cb, nil
}

// stExtensions are the entry fields SillyTavern keeps in an entry's
// extensions, which the engine has fields for.
type stExtensions struct {
	wholeWords                       bool
	depth, role                      int
	scanDepth                        *int
	exclude, prevent, delayRecursion bool
}

func readSTExtensions(ext card.Raw) stExtensions {
	var x stExtensions
	x.wholeWords, _ = ext.Bool("match_whole_words")
	if n, ok := ext.Int("depth"); ok {
		x.depth = int(n)
	}
	if n, ok := ext.Int("role"); ok {
		x.role = int(n)
	}
	if n, ok := ext.Int("scan_depth"); ok {
		d := int(n)
		x.scanDepth = &d
	}
	x.exclude, _ = ext.Bool("exclude_recursion")
	x.prevent, _ = ext.Bool("prevent_recursion")
	// SillyTavern writes a bool, or a number of recursion levels.
	if v, ok := ext.Bool("delay_until_recursion"); ok {
		x.delayRecursion = v
	} else if n, ok := ext.Int("delay_until_recursion"); ok {
		x.delayRecursion = n > 0
	}
	return x
}

// entryFromCard is the lore entry of a card entry.
func entryFromCard(ce *card.Entry) store.LoreEntry {
	x := readSTExtensions(ce.Extensions)
	e := store.LoreEntry{
		Name: ce.Name, Comment: ce.Comment, Content: ce.Content, Keys: ce.Keys, SecondaryKeys: ce.SecondaryKeys,
		Selective: ce.Selective, UseRegex: ce.UseRegex, CaseSensitive: ce.CaseSensitive, Constant: ce.Constant,
		Enabled: ce.Enabled, InsertionOrder: ce.InsertionOrder, Priority: ce.Priority, Position: ce.Position,
		WholeWords: x.wholeWords, Depth: x.depth, Role: x.role, ScanDepth: x.scanDepth,
		ExcludeRecursion: x.exclude, PreventRecursion: x.prevent, DelayUntilRecursion: x.delayRecursion,
		Extensions: store.RawJSON(ce.Extensions), Extra: store.RawJSON(ce.Extra),
	}
	if ce.SelectiveLogic != nil {
		l := int(*ce.SelectiveLogic)
		e.Logic = &l
	}
	if ce.ID != nil {
		e.EntryID, e.EntryIDNumeric = ce.ID.Text, ce.ID.Numeric
	}
	return e
}

// entryToCard is the card entry of a lore entry. The SillyTavern extension
// members are rewritten only where the entry's fields no longer say what
// they say, so that an unchanged entry is written back as it was read.
func entryToCard(e store.LoreEntry) (card.Entry, error) {
	ce := card.Entry{
		Keys: e.Keys, SecondaryKeys: e.SecondaryKeys, Content: e.Content, Enabled: e.Enabled,
		InsertionOrder: e.InsertionOrder, CaseSensitive: e.CaseSensitive, UseRegex: e.UseRegex,
		Constant: e.Constant, Selective: e.Selective, Name: e.Name, Comment: e.Comment, Priority: e.Priority,
		Extensions: maps.Clone(card.Raw(e.Extensions)), Extra: card.Raw(e.Extra),
	}
	if e.Logic != nil {
		l := card.SelectiveLogic(*e.Logic)
		ce.SelectiveLogic = &l
	}
	if e.EntryID != "" || e.EntryIDNumeric {
		ce.ID = &card.EntryID{Text: e.EntryID, Numeric: e.EntryIDNumeric}
	}
	if ce.Extensions == nil {
		ce.Extensions = card.Raw{}
	}
	set := func(key string, v any) error { return ce.Extensions.Set(key, v) }
	x := readSTExtensions(ce.Extensions)
	var errs []error
	if x.wholeWords != e.WholeWords {
		errs = append(errs, set("match_whole_words", e.WholeWords))
	}
	if x.depth != e.Depth {
		errs = append(errs, set("depth", e.Depth))
	}
	if x.role != e.Role {
		errs = append(errs, set("role", e.Role))
	}
	if !equalIntp(x.scanDepth, e.ScanDepth) {
		errs = append(errs, set("scan_depth", e.ScanDepth))
	}
	if x.exclude != e.ExcludeRecursion {
		errs = append(errs, set("exclude_recursion", e.ExcludeRecursion))
	}
	if x.prevent != e.PreventRecursion {
		errs = append(errs, set("prevent_recursion", e.PreventRecursion))
	}
	if x.delayRecursion != e.DelayUntilRecursion {
		errs = append(errs, set("delay_until_recursion", e.DelayUntilRecursion))
	}
	// A card's position has before_char and after_char only; the others
	// are SillyTavern's extensions.position (see store.LoreEntry.Position).
	switch e.Position {
	case "", "before_char", "after_char":
		ce.Position = e.Position
	default:
		p, err := lore.ParsePosition(e.Position)
		if err != nil {
			return card.Entry{}, err
		}
		if n, ok := ce.Extensions.Int("position"); !ok || n != int64(p) {
			errs = append(errs, set("position", int(p)))
		}
	}
	for _, err := range errs {
		if err != nil {
			return card.Entry{}, err
		}
	}
	if len(ce.Extensions) == 0 {
		ce.Extensions = nil
	}
	return ce, nil
}

func equalIntp(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

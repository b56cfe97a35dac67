package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// ErrNotWorldInfo: valid JSON that is neither a SillyTavern world-info file
// nor a character_book.
var ErrNotWorldInfo = errors.New("not a world-info file")

// DefaultMaxWorldInfoEntries bounds the entries of one world-info file.
// Large published worlds have a few thousand.
const DefaultMaxWorldInfoEntries = 20000

// worldInfoExtensions maps SillyTavern's world-info entry members to the
// names its character_book export uses in an entry's extensions, which is
// where the rest of charsim reads them (position, depth, role,
// match_whole_words, the recursion flags, scan_depth, selectiveLogic).
var worldInfoExtensions = map[string]string{
	"depth": "depth", "role": "role", "matchWholeWords": "match_whole_words",
	"excludeRecursion": "exclude_recursion", "preventRecursion": "prevent_recursion",
	"delayUntilRecursion": "delay_until_recursion", "scanDepth": "scan_depth",
	"selectiveLogic": "selectiveLogic", "probability": "probability", "useProbability": "useProbability",
	"group": "group", "groupOverride": "group_override", "groupWeight": "group_weight",
	"useGroupScoring": "use_group_scoring", "displayIndex": "display_index", "automationId": "automation_id",
	"sticky": "sticky", "cooldown": "cooldown", "delay": "delay", "vectorized": "vectorized",
}

// DecodeWorldInfo reads a SillyTavern world-info file,
// {"entries": {"0": {uid, key, keysecondary, comment, content, constant,
// selective, selectiveLogic, order, position, disable, …}, …}}, as a lore
// book. It is lenient the way SillyTavern is: "entries" may also be an
// array, and a character_book ({"entries": [{keys, secondary_keys, …}]})
// is read as one. Members the book model has a field for become that field;
// the others are kept in the entry's extensions (under the names
// SillyTavern's character_book export uses), unknown top-level members in
// the book's Extra. The file is bounded by lim.MaxCardJSON and
// DefaultMaxWorldInfoEntries.
func (l Limits) DecodeWorldInfo(data []byte) (*Book, error) {
	lim := l.resolved()
	if int64(len(data)) > lim.MaxCardJSON {
		return nil, tooLarge("world-info file", int64(len(data)), lim.MaxCardJSON)
	}
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %v (at byte %d)", ErrBadJSON, se, se.Offset)
		}
		if json.Valid(data) {
			return nil, fmt.Errorf("the file is %s, not an object: %w", kindOf(data), ErrNotWorldInfo)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	entries := bytes.TrimSpace(top["entries"])
	switch {
	case len(entries) == 0 || isNull(entries):
		return nil, fmt.Errorf(`the file has no "entries": %w`, ErrNotWorldInfo)
	case entries[0] == '[':
		// A character_book, as cards and SillyTavern's exports embed it.
		parent := newFields(map[string]json.RawMessage{}, "")
		var items []json.RawMessage
		if err := json.Unmarshal(entries, &items); err == nil && len(items) > DefaultMaxWorldInfoEntries {
			return nil, &LimitError{What: "world-info file", Size: int64(len(items)), Limit: DefaultMaxWorldInfoEntries, Err: ErrTooManyEntries}
		}
		b := decodeBook(data, "", parent)
		if parent.err != nil {
			return nil, parent.err
		}
		return b, nil
	case entries[0] != '{':
		return nil, fmt.Errorf(`"entries" is %s, want an object or an array: %w`, kindOf(entries), ErrNotWorldInfo)
	}
	var byUID map[string]json.RawMessage
	if err := json.Unmarshal(entries, &byUID); err != nil {
		return nil, fmt.Errorf("%w: entries: %v", ErrBadJSON, err)
	}
	if len(byUID) > DefaultMaxWorldInfoEntries {
		return nil, &LimitError{What: "world-info file", Size: int64(len(byUID)), Limit: DefaultMaxWorldInfoEntries, Err: ErrTooManyEntries}
	}
	// SillyTavern keys entries by uid; a JSON object has no order, so the
	// book lists them by number (then by key for keys that are not numbers).
	keys := make([]string, 0, len(byUID))
	for k := range byUID {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.ParseInt(keys[i], 10, 64)
		b, errB := strconv.ParseInt(keys[j], 10, 64)
		switch {
		case errA == nil && errB == nil:
			return a < b
		case (errA == nil) != (errB == nil):
			return errA == nil
		}
		return keys[i] < keys[j]
	})
	f := newFields(top, "")
	f.take("entries")
	book := &Book{Name: f.str("name"), Description: f.str("description")}
	for _, k := range keys {
		e := decodeWorldInfoEntry(byUID[k], "entries."+strconv.Quote(k), f)
		if f.err != nil {
			return nil, f.err
		}
		book.Entries = append(book.Entries, e)
	}
	book.Extra = f.rest()
	if len(book.Extra) == 0 {
		book.Extra = nil
	}
	return book, nil
}

// DecodeWorldInfo is Limits{}.DecodeWorldInfo.
func DecodeWorldInfo(data []byte) (*Book, error) { return Limits{}.DecodeWorldInfo(data) }

func decodeWorldInfoEntry(b json.RawMessage, path string, parent *fields) Entry {
	m, ok := parent.objectOf(b, path)
	if !ok {
		return Entry{}
	}
	f := newFields(m, path+".")
	e := Entry{
		Keys:          f.strs("key"),
		SecondaryKeys: f.strs("keysecondary"),
		Content:       f.str("content"),
		Comment:       f.str("comment"),
		Enabled:       true,
		CaseSensitive: f.boolp("caseSensitive"),
		Constant:      f.boolean("constant"),
		Selective:     f.boolean("selective"),
	}
	if v := f.boolp("disable"); v != nil {
		e.Enabled = !*v
	}
	if v := f.intp("order"); v != nil {
		e.InsertionOrder = *v
	}
	if uid := f.take("uid"); uid != nil {
		if isNumber(uid) {
			e.ID = &EntryID{Text: string(uid), Numeric: true}
		} else if s, ok := asString(uid); ok {
			e.ID = &EntryID{Text: s}
		} else {
			f.fail("uid", "a number or a string", uid)
		}
	}
	ext := f.raw("extensions")
	if ext == nil {
		ext = Raw{}
	}
	if pos := f.take("position"); pos != nil {
		switch string(pos) {
		case "0":
			e.Position = "before_char"
		case "1":
			e.Position = "after_char"
		}
		if !isNumber(pos) {
			f.fail("position", "a number", pos)
		}
		ext["position"] = compact(pos)
	}
	for st, name := range worldInfoExtensions {
		if v, present := f.m[st]; present {
			delete(f.m, st)
			if !isNull(v) { // null means "use the global setting": absent
				ext[name] = compact(v)
			}
		}
	}
	// Whatever else the entry has (newer SillyTavern members, other apps'),
	// kept under its own name.
	for k, v := range f.rest() {
		if _, taken := ext[k]; !taken {
			ext[k] = v
		}
	}
	if len(ext) > 0 {
		e.Extensions = ext
	}
	e.SelectiveLogic = selectiveLogicOf(e.Extensions, nil)
	if f.err != nil {
		parent.err = f.err
	}
	return e
}

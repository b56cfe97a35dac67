package card

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Raw holds JSON members kept as they were read (compacted), keyed by
// member name: extensions and fields this package does not know. Values
// are written back unchanged.
type Raw map[string]json.RawMessage

// Bool returns the member key as a boolean, if it is one.
func (r Raw) Bool(key string) (v, ok bool) {
	ok = json.Unmarshal(r[key], &v) == nil && r[key] != nil && !bytes.Equal(r[key], []byte("null"))
	return v, ok
}

// Int returns the member key as an integer, if it is an integral number.
func (r Raw) Int(key string) (int64, bool) {
	var f json.Number
	if r[key] == nil || json.Unmarshal(r[key], &f) != nil {
		return 0, false
	}
	if n, err := f.Int64(); err == nil {
		return n, true
	}
	if x, err := f.Float64(); err == nil && x == float64(int64(x)) {
		return int64(x), true
	}
	return 0, false
}

// String returns the member key as a string, if it is one.
func (r Raw) String(key string) (string, bool) {
	var s string
	if r[key] == nil || json.Unmarshal(r[key], &s) != nil {
		return "", false
	}
	return s, true
}

// Set stores v (marshalled to JSON) under key.
func (r Raw) Set(key string, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	r[key] = b
	return nil
}

// Card is one character card, whatever version and container it came
// from: the union of the V1, V2 and V3 fields. Slices and maps are nil
// when empty (Assets excepted, see there).
type Card struct {
	// V1 fields (also V2/V3 data fields).
	Name        string
	Description string
	Personality string
	Scenario    string
	FirstMes    string // first_mes: the first message (greeting)
	MesExample  string // mes_example: example dialogue

	// V2 fields.
	CreatorNotes            string // never meant for a prompt
	SystemPrompt            string // replaces the default; {{original}} inserts it
	PostHistoryInstructions string // likewise
	AlternateGreetings      []string
	CharacterBook           *Book // nil when the card has none
	Tags                    []string
	Creator                 string
	CharacterVersion        string
	Extensions              Raw // data.extensions, every key kept

	// V3 fields.
	//
	// Assets is nil when the card has no "assets" (the spec then implies
	// one default icon) and non-nil, maybe empty, when it has.
	Assets                   []Asset
	Nickname                 string // {{char}} becomes this when set
	CreatorNotesMultilingual map[string]string
	Source                   []string
	GroupOnlyGreetings       []string
	CreationDate             *int64 // Unix seconds as stored (see CreationTime)
	ModificationDate         *int64

	// Unknown members, written back as they were.
	Extra     Raw // top level (V1: every unknown member of the card)
	DataExtra Raw // inside "data"
}

// CreationTime is CreationDate as a time; ok is false when it is absent or
// 0 (unknown). A value too big to be seconds is read as milliseconds, as
// some editors write it.
func (c *Card) CreationTime() (t time.Time, ok bool) { return unixTime(c.CreationDate) }

// ModificationTime is ModificationDate as a time, like CreationTime.
func (c *Card) ModificationTime() (t time.Time, ok bool) { return unixTime(c.ModificationDate) }

func unixTime(v *int64) (time.Time, bool) {
	if v == nil || *v == 0 {
		return time.Time{}, false
	}
	if *v > 100_000_000_000 || *v < -100_000_000_000 { // beyond year 5138: milliseconds
		return time.UnixMilli(*v).UTC(), true
	}
	return time.Unix(*v, 0).UTC(), true
}

// DisplayName is the nickname when set, else the name: what {{char}}
// stands for.
func (c *Card) DisplayName() string {
	if c.Nickname != "" {
		return c.Nickname
	}
	return c.Name
}

// Greetings returns first_mes followed by the alternate greetings, without
// empty ones.
func (c *Card) Greetings() []string {
	var out []string
	for _, g := range append([]string{c.FirstMes}, c.AlternateGreetings...) {
		if g != "" {
			out = append(out, g)
		}
	}
	return out
}

// MainIcon returns the index in Assets of the main icon (type "icon",
// name "main", else the first icon), or -1.
func (c *Card) MainIcon() int {
	first := -1
	for i, a := range c.Assets {
		if a.Type != "icon" {
			continue
		}
		if a.Name == "main" {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// Asset is one element of a V3 card's "assets".
type Asset struct {
	Type  string // icon, background, user_icon, emotion, x_…
	URI   string // embeded://path, https://…, data:…, ccdefault:, __asset:path
	Name  string // "main" for the main icon/background
	Ext   string // lowercase extension without the dot, or "unknown"
	Extra Raw
}

// Book is a lorebook (character_book).
type Book struct {
	Name              string
	Description       string
	ScanDepth         *int
	TokenBudget       *int
	RecursiveScanning *bool
	Extensions        Raw
	Entries           []Entry
	Extra             Raw
}

// Entry is one lorebook entry. Content is kept verbatim, V3 @@decorators
// included.
type Entry struct {
	Keys           []string
	SecondaryKeys  []string
	Content        string
	Enabled        bool // true when the field is absent
	InsertionOrder int
	CaseSensitive  *bool
	UseRegex       bool
	Constant       bool
	Selective      bool
	// SelectiveLogic is how SecondaryKeys combine, stored by SillyTavern as
	// extensions.selectiveLogic (or, in world-info files, as a member
	// "selectiveLogic" of the entry). nil means absent (AND ANY). Encoding
	// writes it to extensions.selectiveLogic only when it was changed.
	SelectiveLogic *SelectiveLogic
	Name           string
	Comment        string
	Priority       *int
	ID             *EntryID
	Position       string // "before_char", "after_char" or ""
	Extensions     Raw
	Extra          Raw
}

// SelectiveLogic is SillyTavern's world_info_logic.
type SelectiveLogic int

// SillyTavern's values.
const (
	AndAny SelectiveLogic = 0 // a primary key and any secondary key
	NotAll SelectiveLogic = 1 // a primary key and not all secondary keys
	NotAny SelectiveLogic = 2 // a primary key and no secondary key
	AndAll SelectiveLogic = 3 // a primary key and every secondary key
)

func (l SelectiveLogic) String() string {
	switch l {
	case AndAny:
		return "AND ANY"
	case NotAll:
		return "NOT ALL"
	case NotAny:
		return "NOT ANY"
	case AndAll:
		return "AND ALL"
	}
	return "SelectiveLogic(" + strconv.Itoa(int(l)) + ")"
}

// EntryID is an entry's "id": a number in V2 and SillyTavern, a number or
// a string in V3. Text is its text (the digits of a number).
type EntryID struct {
	Text    string
	Numeric bool
}

func (id EntryID) String() string { return id.Text }

// selectiveLogicOf reads the selective logic as stored in the raw members.
func selectiveLogicOf(ext, extra Raw) *SelectiveLogic {
	for _, r := range []Raw{ext, extra} {
		if n, ok := r.Int("selectiveLogic"); ok {
			l := SelectiveLogic(n)
			return &l
		}
	}
	return nil
}

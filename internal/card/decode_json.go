package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Version is the card version a JSON body declares.
type Version int

// Versions.
const (
	V1 Version = 1 // flat TavernAI JSON (no "spec")
	V2 Version = 2 // spec chara_card_v2
	V3 Version = 3 // spec chara_card_v3
)

func (v Version) String() string { return "V" + strconv.Itoa(int(v)) }

// Spec strings.
const (
	SpecV2 = "chara_card_v2"
	SpecV3 = "chara_card_v3"
	// specV1 is not in any spec, but a few exporters write it on flat cards.
	specV1 = "chara_card_v1"
)

// v1Fields are the V1 fields that V2 and V3 cards repeat at the top level
// (SillyTavern does). With "data" present they are mirrors: read from data,
// written from the model.
var v1Fields = []string{"name", "description", "personality", "scenario", "first_mes", "mes_example"}

// parsed is what ParseJSON found besides the card.
type parsed struct {
	version     Version
	spec        string
	specVersion string
	warnings    []string
}

// ParseJSON decodes the JSON of one card (V1, V2 or V3) into the model.
// It is what Decode does with a JSON file, a PNG chunk or card.json.
func ParseJSON(b []byte) (*Card, Version, error) {
	c, p, err := parseJSON(b)
	if err != nil {
		return nil, 0, err
	}
	return c, p.version, nil
}

func parseJSON(b []byte) (*Card, *parsed, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, fmt.Errorf("%w: %v (at byte %d)", ErrBadJSON, se, se.Offset)
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, nil, fmt.Errorf("the card is %s, not an object: %w", kindOf(b), ErrNotACard)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	p := &parsed{}
	t := newFields(top, "")
	p.spec = t.str("spec")
	p.specVersion = t.str("spec_version")
	if t.err != nil {
		return nil, nil, t.err
	}
	switch p.spec {
	case SpecV2:
		p.version = V2
	case SpecV3:
		p.version = V3
		if f, err := strconv.ParseFloat(p.specVersion, 64); err == nil && f > 3.0 {
			p.warnings = append(p.warnings, fmt.Sprintf("spec_version %q is newer than 3.0; read as 3.0", p.specVersion))
		}
	case "", specV1:
		p.version = V1
		// A V2 card that lost its spec: data is an object with a name.
		var d struct {
			Name json.RawMessage `json:"name"`
		}
		if v := top["data"]; len(v) > 0 && v[0] == '{' && json.Unmarshal(v, &d) == nil && len(d.Name) > 0 && d.Name[0] == '"' {
			p.version = V2
			p.warnings = append(p.warnings, "no spec, but a data object with a name: read as V2")
		}
	default:
		s := p.spec
		if len(s) > 64 {
			s = s[:64] + "…"
		}
		return nil, nil, fmt.Errorf("spec %q: %w (want %s or %s)", s, ErrUnknownSpec, SpecV2, SpecV3)
	}

	c := &Card{}
	if _, hasData := top["data"]; p.version != V1 && hasData && !isNull(top["data"]) {
		data := t.object("data")
		if t.err != nil {
			return nil, nil, t.err
		}
		// The top-level V1 mirrors: read them only to fill a missing name.
		mirrors := map[string]json.RawMessage{}
		for _, k := range v1Fields {
			if v, ok := t.m[k]; ok {
				mirrors[k] = v
				delete(t.m, k)
			}
		}
		d := newFields(data, "data.")
		decodeData(d, c)
		if d.err != nil {
			return nil, nil, d.err
		}
		c.DataExtra = d.rest()
		if strings.TrimSpace(c.Name) == "" {
			m := newFields(mirrors, "")
			if n := m.str("name"); m.err == nil && strings.TrimSpace(n) != "" {
				c.Name = n
				p.warnings = append(p.warnings, "data.name is empty; took the top-level name")
			}
		}
	} else {
		if p.version != V1 {
			p.warnings = append(p.warnings, fmt.Sprintf("spec %s without data; read the top-level fields", p.spec))
			delete(t.m, "data") // absent or null
		}
		decodeData(t, c)
		if p.version == V1 {
			decodeV1Aliases(t, c)
			// Unknown V1 members whose names the V3 top level uses are kept
			// inside data, where export can write them.
			for _, k := range []string{"data", "spec_version"} {
				v, ok := t.m[k]
				if k == "spec_version" {
					v, ok = top[k]
				}
				if ok {
					if c.DataExtra == nil {
						c.DataExtra = Raw{}
					}
					c.DataExtra[k] = compact(v)
					delete(t.m, k)
				}
			}
		}
	}
	if t.err != nil {
		return nil, nil, t.err
	}
	c.Extra = t.rest()
	if strings.TrimSpace(c.Name) == "" {
		return nil, nil, fmt.Errorf("the card has no name: %w", ErrNotACard)
	}
	return c, p, nil
}

// decodeV1Aliases maps the fields of old Pygmalion/Gradio exports and
// SillyTavern's V1 creatorcomment onto the model, when the standard field
// is empty.
func decodeV1Aliases(f *fields, c *Card) {
	alias := func(dst *string, key string) {
		orig, ok := f.m[key]
		if !ok {
			return
		}
		if v := f.str(key); *dst == "" {
			*dst = v
		} else if f.err == nil {
			f.m[key] = orig // both present: keep the alias as it was
		}
	}
	alias(&c.Name, "char_name")
	alias(&c.Description, "char_persona")
	alias(&c.Scenario, "world_scenario")
	alias(&c.FirstMes, "char_greeting")
	alias(&c.MesExample, "example_dialogue")
	alias(&c.CreatorNotes, "creatorcomment")
}

func decodeData(f *fields, c *Card) {
	c.Name = f.str("name")
	c.Description = f.str("description")
	c.Personality = f.str("personality")
	c.Scenario = f.str("scenario")
	c.FirstMes = f.str("first_mes")
	c.MesExample = f.str("mes_example")
	c.CreatorNotes = f.str("creator_notes")
	c.SystemPrompt = f.str("system_prompt")
	c.PostHistoryInstructions = f.str("post_history_instructions")
	c.AlternateGreetings = f.strs("alternate_greetings")
	if b := f.take("character_book"); b != nil {
		c.CharacterBook = decodeBook(b, f.path+"character_book", f)
	}
	c.Tags = f.strs("tags")
	c.Creator = f.str("creator")
	c.CharacterVersion = f.str("character_version")
	c.Extensions = f.raw("extensions")
	if a := f.take("assets"); a != nil {
		c.Assets = decodeAssets(a, f.path+"assets", f)
	}
	c.Nickname = f.str("nickname")
	c.CreatorNotesMultilingual = f.strMap("creator_notes_multilingual")
	c.Source = f.strs("source")
	c.GroupOnlyGreetings = f.strs("group_only_greetings")
	c.CreationDate = f.int64p("creation_date")
	c.ModificationDate = f.int64p("modification_date")
}

func decodeAssets(b json.RawMessage, path string, parent *fields) []Asset {
	items, ok := parent.array(b, path)
	if !ok {
		return nil
	}
	out := make([]Asset, 0, len(items))
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		m, ok := parent.objectOf(it, p)
		if !ok {
			return nil
		}
		f := newFields(m, p+".")
		a := Asset{Type: f.str("type"), URI: f.str("uri"), Name: f.str("name"), Ext: f.str("ext")}
		a.Extra = f.rest()
		if f.err != nil {
			parent.err = f.err
			return nil
		}
		out = append(out, a)
	}
	return out
}

func decodeBook(b json.RawMessage, path string, parent *fields) *Book {
	m, ok := parent.objectOf(b, path)
	if !ok {
		return nil
	}
	f := newFields(m, path+".")
	bk := &Book{
		Name:              f.str("name"),
		Description:       f.str("description"),
		ScanDepth:         f.intp("scan_depth"),
		TokenBudget:       f.intp("token_budget"),
		RecursiveScanning: f.boolp("recursive_scanning"),
		Extensions:        f.raw("extensions"),
	}
	if e := f.take("entries"); e != nil {
		items, ok := f.array(e, path+".entries")
		for i, it := range items {
			if !ok {
				break
			}
			bk.Entries = append(bk.Entries, decodeEntry(it, fmt.Sprintf("%s.entries[%d]", path, i), f))
		}
	}
	bk.Extra = f.rest()
	if f.err != nil {
		parent.err = f.err
		return nil
	}
	return bk
}

func decodeEntry(b json.RawMessage, path string, parent *fields) Entry {
	m, ok := parent.objectOf(b, path)
	if !ok {
		return Entry{}
	}
	f := newFields(m, path+".")
	e := Entry{
		Keys:          f.strs("keys"),
		SecondaryKeys: f.strs("secondary_keys"),
		Content:       f.str("content"),
		Enabled:       true,
		CaseSensitive: f.boolp("case_sensitive"),
		Name:          f.str("name"),
		Comment:       f.str("comment"),
		Priority:      f.intp("priority"),
		Extensions:    f.raw("extensions"),
	}
	if v := f.boolp("enabled"); v != nil {
		e.Enabled = *v
	}
	if v := f.intp("insertion_order"); v != nil {
		e.InsertionOrder = *v
	}
	e.UseRegex = f.boolean("use_regex")
	e.Constant = f.boolean("constant")
	e.Selective = f.boolean("selective")
	if id := f.take("id"); id != nil {
		switch id[0] {
		case '"':
			var s string
			_ = json.Unmarshal(id, &s)
			e.ID = &EntryID{Text: s}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			e.ID = &EntryID{Text: string(id), Numeric: true}
		default:
			f.fail("id", "a number or a string", id)
		}
	}
	if pos := f.take("position"); pos != nil {
		switch string(pos) {
		case "0":
			e.Position = "before_char"
		case "1":
			e.Position = "after_char"
		default:
			if err := json.Unmarshal(pos, &e.Position); err != nil {
				f.fail("position", `"before_char" or "after_char"`, pos)
			}
		}
	}
	e.Extra = f.rest()
	e.SelectiveLogic = selectiveLogicOf(e.Extensions, e.Extra)
	if f.err != nil {
		parent.err = f.err
	}
	return e
}

// fields reads the members of one JSON object, removing those it reads,
// and remembers the first type error.
type fields struct {
	m    map[string]json.RawMessage
	path string // prefix for error paths, e.g. "data."
	err  error
}

func newFields(m map[string]json.RawMessage, path string) *fields {
	cp := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		cp[k] = v
	}
	return &fields{m: cp, path: path}
}

// take removes and returns a member; nil when absent or null.
func (f *fields) take(key string) json.RawMessage {
	v, ok := f.m[key]
	if !ok {
		return nil
	}
	delete(f.m, key)
	if f.err != nil || isNull(v) {
		return nil
	}
	return v
}

func (f *fields) fail(key, want string, got json.RawMessage) {
	if f.err == nil {
		f.err = &FieldError{Path: f.path + key, Want: want, Got: kindOf(got)}
	}
}

func (f *fields) failAt(path, want string, got json.RawMessage) {
	if f.err == nil {
		f.err = &FieldError{Path: path, Want: want, Got: kindOf(got)}
	}
}

// str reads a string; a number is read as its text (JavaScript apps
// coerce numbers such as a character_version of 1.2).
func (f *fields) str(key string) string {
	v := f.take(key)
	if v == nil {
		return ""
	}
	if s, ok := asString(v); ok {
		return s
	}
	f.fail(key, "a string", v)
	return ""
}

func asString(v json.RawMessage) (string, bool) {
	switch {
	case v[0] == '"':
		var s string
		return s, json.Unmarshal(v, &s) == nil
	case isNumber(v):
		return string(v), true
	}
	return "", false
}

// strs reads an array of strings (numbers read as their text, null
// elements skipped); an empty array is nil.
func (f *fields) strs(key string) []string {
	v := f.take(key)
	if v == nil {
		return nil
	}
	items, ok := f.array(v, f.path+key)
	if !ok {
		return nil
	}
	var out []string
	for i, it := range items {
		if isNull(it) {
			continue
		}
		s, ok := asString(it)
		if !ok {
			f.failAt(fmt.Sprintf("%s%s[%d]", f.path, key, i), "a string", it)
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (f *fields) strMap(key string) map[string]string {
	v := f.take(key)
	if v == nil {
		return nil
	}
	m, ok := f.objectOf(v, f.path+key)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, it := range m {
		s, ok := asString(it)
		if !ok && !isNull(it) {
			f.failAt(f.path+key+"."+k, "a string", it)
			return nil
		}
		out[k] = s
	}
	return out
}

func (f *fields) boolp(key string) *bool {
	v := f.take(key)
	if v == nil {
		return nil
	}
	var b bool
	if json.Unmarshal(v, &b) != nil {
		f.fail(key, "a boolean", v)
		return nil
	}
	return &b
}

func (f *fields) boolean(key string) bool {
	b := f.boolp(key)
	return b != nil && *b
}

// int64p reads a number, rounding a fraction; a string holding a number is
// accepted.
func (f *fields) int64p(key string) *int64 {
	v := f.take(key)
	if v == nil {
		return nil
	}
	s := string(v)
	if v[0] == '"' {
		_ = json.Unmarshal(v, &s)
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return &n
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1<<62 {
		f.fail(key, "a number", v)
		return nil
	}
	n := int64(math.Round(x))
	return &n
}

func (f *fields) intp(key string) *int {
	n := f.int64p(key)
	if n == nil {
		return nil
	}
	if *n > math.MaxInt32 || *n < math.MinInt32 {
		f.fail(key, "a number within ±2^31", mustMarshal(*n))
		return nil
	}
	i := int(*n)
	return &i
}

func (f *fields) object(key string) map[string]json.RawMessage {
	v := f.take(key)
	if v == nil {
		return nil
	}
	m, _ := f.objectOf(v, f.path+key)
	return m
}

func (f *fields) objectOf(v json.RawMessage, path string) (map[string]json.RawMessage, bool) {
	if isNull(v) {
		return nil, true
	}
	var m map[string]json.RawMessage
	if v[0] != '{' || json.Unmarshal(v, &m) != nil {
		f.failAt(path, "an object", v)
		return nil, false
	}
	return m, true
}

func (f *fields) array(v json.RawMessage, path string) ([]json.RawMessage, bool) {
	var a []json.RawMessage
	if v[0] != '[' || json.Unmarshal(v, &a) != nil {
		f.failAt(path, "an array", v)
		return nil, false
	}
	return a, true
}

// raw reads an object whose members are kept as they are (extensions).
func (f *fields) raw(key string) Raw {
	v := f.take(key)
	if v == nil {
		return nil
	}
	m, ok := f.objectOf(v, f.path+key)
	if !ok {
		return nil
	}
	return compactAll(m)
}

// rest returns the members not read, compacted; nil when none.
func (f *fields) rest() Raw {
	return compactAll(f.m)
}

func compactAll(m map[string]json.RawMessage) Raw {
	if len(m) == 0 {
		return nil
	}
	out := make(Raw, len(m))
	for k, v := range m {
		out[k] = compact(v)
	}
	return out
}

func compact(v json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return append(json.RawMessage(nil), v...)
	}
	return buf.Bytes()
}

func isNull(v json.RawMessage) bool {
	return v == nil || string(bytes.TrimSpace(v)) == "null"
}

func isNumber(v json.RawMessage) bool {
	return len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))
}

func kindOf(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if isNumber(v) {
		return "a number"
	}
	return "invalid JSON"
}

func mustMarshal(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// marshal is json.Marshal without HTML escaping and without the trailing
// newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func sortedKeys(r Raw) []string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

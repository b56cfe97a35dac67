package card

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// EncodeJSON writes c as a V3 card (spec chara_card_v3, spec_version 3.0),
// indented. Every field of the model is written, the V2 ones included, and
// the V1 fields are repeated at the top level, so V1 and V2 readers read it
// too. Extensions and unknown members are written back unchanged; a member
// of Extra or DataExtra whose name is a field of the model is skipped (the
// field wins).
//
// EncodeJSON does not touch modification_date: set c.ModificationDate
// first to record the export time.
func EncodeJSON(c *Card) ([]byte, error) { return encodeIndented(c, V3) }

// EncodeV2JSON writes the V2 projection of c: spec chara_card_v2,
// spec_version 2.0, and the same data (the V3 fields stay in data, where
// V2 readers ignore but keep them, as SillyTavern does).
func EncodeV2JSON(c *Card) ([]byte, error) { return encodeIndented(c, V2) }

func encodeIndented(c *Card, v Version) ([]byte, error) {
	b, err := encodeCard(c, v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, fmt.Errorf("card: indent: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// encodeCard writes compact JSON of the given version (V2 or V3).
func encodeCard(c *Card, v Version) ([]byte, error) {
	if c == nil || strings.TrimSpace(c.Name) == "" {
		return nil, fmt.Errorf("encode: the card has no name: %w", ErrNotACard)
	}
	data := newObject()
	data.put("name", c.Name)
	data.put("description", c.Description)
	data.put("personality", c.Personality)
	data.put("scenario", c.Scenario)
	data.put("first_mes", c.FirstMes)
	data.put("mes_example", c.MesExample)
	data.put("creator_notes", c.CreatorNotes)
	data.put("system_prompt", c.SystemPrompt)
	data.put("post_history_instructions", c.PostHistoryInstructions)
	data.put("alternate_greetings", nonNil(c.AlternateGreetings))
	if c.CharacterBook != nil {
		data.putObj("character_book", encodeBook(c.CharacterBook))
	} else {
		data.known["character_book"] = true
	}
	data.put("tags", nonNil(c.Tags))
	data.put("creator", c.Creator)
	data.put("character_version", c.CharacterVersion)
	data.putObj("extensions", encodeRaw(c.Extensions))
	if c.Assets != nil {
		a := newArray()
		for _, as := range c.Assets {
			o := newObject()
			o.put("type", as.Type)
			o.put("uri", as.URI)
			o.put("name", as.Name)
			o.put("ext", as.Ext)
			o.extra(as.Extra)
			a.add(o)
		}
		data.putArr("assets", a)
	}
	data.putOpt("nickname", c.Nickname, c.Nickname != "")
	data.putOpt("creator_notes_multilingual", c.CreatorNotesMultilingual, c.CreatorNotesMultilingual != nil)
	data.putOpt("source", c.Source, c.Source != nil)
	data.put("group_only_greetings", nonNil(c.GroupOnlyGreetings))
	data.putOpt("creation_date", c.CreationDate, c.CreationDate != nil)
	data.putOpt("modification_date", c.ModificationDate, c.ModificationDate != nil)
	for _, k := range []string{"assets", "nickname", "creator_notes_multilingual", "source", "creation_date", "modification_date"} {
		data.known[k] = true
	}
	data.extra(c.DataExtra)

	top := newObject()
	if v == V2 {
		top.put("spec", SpecV2)
		top.put("spec_version", "2.0")
	} else {
		top.put("spec", SpecV3)
		top.put("spec_version", "3.0")
	}
	top.put("name", c.Name)
	top.put("description", c.Description)
	top.put("personality", c.Personality)
	top.put("scenario", c.Scenario)
	top.put("first_mes", c.FirstMes)
	top.put("mes_example", c.MesExample)
	top.putObj("data", data)
	top.extra(c.Extra)
	if top.err != nil {
		return nil, fmt.Errorf("encode: %w", top.err)
	}
	return top.bytes(), nil
}

func encodeBook(b *Book) *object {
	o := newObject()
	o.putOpt("name", b.Name, b.Name != "")
	o.putOpt("description", b.Description, b.Description != "")
	o.putOpt("scan_depth", b.ScanDepth, b.ScanDepth != nil)
	o.putOpt("token_budget", b.TokenBudget, b.TokenBudget != nil)
	o.putOpt("recursive_scanning", b.RecursiveScanning, b.RecursiveScanning != nil)
	o.putObj("extensions", encodeRaw(b.Extensions))
	a := newArray()
	for i := range b.Entries {
		a.add(encodeEntry(&b.Entries[i]))
	}
	o.putArr("entries", a)
	o.extra(b.Extra)
	return o
}

func encodeEntry(e *Entry) *object {
	ext, extra := e.Extensions, e.Extra
	if !sameLogic(e.SelectiveLogic, selectiveLogicOf(ext, extra)) {
		ext, extra = clone(ext), clone(extra)
		delete(extra, "selectiveLogic")
		if e.SelectiveLogic == nil {
			delete(ext, "selectiveLogic")
		} else {
			if ext == nil {
				ext = Raw{}
			}
			ext["selectiveLogic"] = mustMarshal(int(*e.SelectiveLogic))
		}
	}
	o := newObject()
	o.put("keys", nonNil(e.Keys))
	o.put("secondary_keys", nonNil(e.SecondaryKeys))
	o.put("content", e.Content)
	o.putObj("extensions", encodeRaw(ext))
	o.put("enabled", e.Enabled)
	o.put("insertion_order", e.InsertionOrder)
	o.putOpt("case_sensitive", e.CaseSensitive, e.CaseSensitive != nil)
	o.put("use_regex", e.UseRegex)
	o.put("constant", e.Constant)
	o.put("selective", e.Selective)
	o.putOpt("name", e.Name, e.Name != "")
	o.putOpt("comment", e.Comment, e.Comment != "")
	o.putOpt("priority", e.Priority, e.Priority != nil)
	switch {
	case e.ID == nil:
		o.known["id"] = true
	case e.ID.Numeric && json.Valid([]byte(e.ID.Text)) && isNumber([]byte(e.ID.Text)):
		o.putRaw("id", json.RawMessage(e.ID.Text))
	default:
		o.put("id", e.ID.Text)
	}
	o.putOpt("position", e.Position, e.Position != "")
	o.extra(extra)
	return o
}

func sameLogic(a, b *SelectiveLogic) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func clone(r Raw) Raw {
	if r == nil {
		return nil
	}
	out := make(Raw, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func encodeRaw(r Raw) *object {
	o := newObject()
	o.extra(r)
	return o
}

// object writes a JSON object with its members in the order put, then the
// extra members sorted by name, skipping names already put.
type object struct {
	buf   bytes.Buffer
	known map[string]bool
	err   error
}

func newObject() *object {
	o := &object{known: map[string]bool{}}
	o.buf.WriteByte('{')
	return o
}

func (o *object) put(key string, v any) {
	b, err := marshal(v)
	if err != nil {
		if o.err == nil {
			o.err = fmt.Errorf("%s: %w", key, err)
		}
		return
	}
	o.putRaw(key, b)
}

func (o *object) putOpt(key string, v any, present bool) {
	if present {
		o.put(key, v)
	} else {
		o.known[key] = true
	}
}

// putObj puts a nested object, taking over its error.
func (o *object) putObj(key string, child *object) {
	if child.err != nil && o.err == nil {
		o.err = fmt.Errorf("%s: %w", key, child.err)
	}
	o.putRaw(key, child.bytes())
}

func (o *object) putArr(key string, a *array) {
	for i, child := range a.items {
		if child.err != nil && o.err == nil {
			o.err = fmt.Errorf("%s[%d]: %w", key, i, child.err)
		}
	}
	o.putRaw(key, a.bytes())
}

func (o *object) putRaw(key string, v json.RawMessage) {
	o.known[key] = true
	if o.buf.Len() > 1 {
		o.buf.WriteByte(',')
	}
	o.buf.Write(mustMarshal(key))
	o.buf.WriteByte(':')
	o.buf.Write(v)
}

func (o *object) extra(r Raw) {
	for _, k := range sortedKeys(r) {
		if o.known[k] {
			continue
		}
		v := r[k]
		if !json.Valid(v) {
			if o.err == nil {
				o.err = fmt.Errorf("member %q is not valid JSON: %w", k, ErrNotACard)
			}
			continue
		}
		o.putRaw(k, compact(v))
	}
}

func (o *object) bytes() []byte {
	return append(bytes.Clone(o.buf.Bytes()), '}')
}

type array struct{ items []*object }

func newArray() *array { return &array{} }

func (a *array) add(o *object) { a.items = append(a.items, o) }

func (a *array) bytes() []byte {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, o := range a.items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(o.bytes())
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

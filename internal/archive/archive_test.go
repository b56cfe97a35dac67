package archive

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// at is a fixed time, already as a store keeps it (UTC, microseconds).
func at(minutes int) time.Time {
	return time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

// fixture holds rows of every kind, in the shape Export returns them.
func fixture() *store.Dataset {
	return &store.Dataset{
		Characters: []store.Character{
			{ID: "c1", Name: "Aria", Personality: "bold", Goals: []string{"sail north"}, CreatedAt: at(0), UpdatedAt: at(1)},
			{ID: "c2", Name: "鈴", CreatedAt: at(2), UpdatedAt: at(2)},
		},
		States: []store.CharacterState{{CharacterID: "c1", Emotion: "hopeful", Energy: 70, Location: "harbor", Inventory: []string{"rope"}, UpdatedAt: at(3)}},
		Relationships: []store.Relationship{{CharacterID: "c1", Target: "sam", Affinity: 0.5, Trust: -0.25,
			History: []store.RelationshipChange{{AffinityDelta: 0.5, TrustDelta: -0.25, Reason: "shared a meal <b>&</b>", At: at(4)}}, UpdatedAt: at(4)}},
		Memories: []store.Memory{
			{ID: "m1", CharacterID: "c1", UserID: "sam", ChannelID: "harbor", Kind: store.KindEpisodic, Text: "Mia flies cargo planes\nnorth",
				Importance: 7, Tags: []string{"sam"}, OccurredAt: at(-60 * 24 * 365), CreatedAt: at(5), LastAccessedAt: at(6)},
			{ID: "m2", CharacterID: "c2", Kind: store.KindSemantic, Text: "結び目は濡れると固くなる", Importance: 2, OccurredAt: at(7), CreatedAt: at(7), LastAccessedAt: at(7)},
		},
		Vectors: []store.MemoryVector{
			{MemoryID: "m1", CharacterID: "c1", UserID: "sam", ChannelID: "harbor", Kind: store.KindEpisodic, Vector: []float32{0.6, 0.8, 0}},
			{MemoryID: "m2", CharacterID: "c2", Kind: store.KindSemantic, Vector: []float32{0, 0, 1}},
		},
		Events: []store.TimelineEvent{
			{ID: "e1", ChannelID: "harbor", Branch: "main", CharacterID: "c1", Type: store.EventPlotPoint, Description: "the ship leaves", Impact: 5, Participants: []string{"sam"}, CreatedAt: at(8)},
			{ID: "e2", ChannelID: "harbor", Branch: "calm", ParentID: "e1", Type: store.EventDecision, Description: "they wait", Impact: 3, CreatedAt: at(9)},
		},
		Branches: []store.Branch{
			{ChannelID: "harbor", Name: "calm", HeadEventID: "e2", CreatedAt: at(9)},
			{ChannelID: "harbor", Name: "main", HeadEventID: "e1", CreatedAt: at(8)},
		},
		Messages: []store.Message{{ID: "g1", CharacterID: "c1", ChannelID: "harbor", UserID: "sam", Role: store.RoleUser, Content: "where to?", CreatedAt: at(10)}},
	}
}

func fixtureHeader() Header {
	return Header{Charsim: "v9.9.9-test", CreatedAt: at(100), Source: "sqlite", Vectors: &Vectors{Embedder: "builtin/v3/3", Dimension: 3}}
}

func write(t *testing.T, h Header, d *store.Dataset) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, h, d, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// lines returns the uncompressed lines of an archive.
func lines(t *testing.T, archive []byte) []string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
}

// compress makes an archive of lines, each ended by a newline.
func compress(t *testing.T, ls []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	for _, l := range ls {
		if _, err := io.WriteString(gz, l+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// requireSameRows fails unless both datasets hold the same rows of every
// kind, compared in their JSON form (as an importer compares them).
func requireSameRows(t *testing.T, got, want *store.Dataset) {
	t.Helper()
	for _, k := range Kinds() {
		if g, w := Rows(got, k), Rows(want, k); g != w {
			t.Errorf("%s: %d rows, want %d", k, g, w)
			continue
		}
		for i := range Rows(want, k) {
			g, _ := json.Marshal(Row(got, k, i))
			w, _ := json.Marshal(Row(want, k, i))
			if !bytes.Equal(g, w) {
				t.Errorf("%s %d:\n got %s\nwant %s", k, i, g, w)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	want := fixture()
	a, err := Read(bytes.NewReader(write(t, fixtureHeader(), want)), ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	requireSameRows(t, a.Data, want)
	h := a.Header
	if h.Format != FormatName || h.Version != Version() || h.Charsim != "v9.9.9-test" || !h.CreatedAt.Equal(at(100)) ||
		h.Source != "sqlite" || *h.Vectors != (Vectors{Embedder: "builtin/v3/3", Dimension: 3}) {
		t.Errorf("header = %+v", h)
	}
	if h.Counts[KindMemory] != 2 || h.Counts[KindMessage] != 1 || len(h.Counts) != len(Kinds()) {
		t.Errorf("header counts = %v", h.Counts)
	}
	// 2 characters, 1 state, 1 relationship, 2 memories, 2 vectors, 2 events, 2 branches, 1 message.
	if a.Lines != 2+13 || len(a.Skipped) != 0 {
		t.Errorf("lines = %d, skipped %v; want 15 and none", a.Lines, a.Skipped)
	}
	// Records follow the header in kind order: the first memory is line 2+2+1+1.
	if got := a.Line(KindCharacter, 0); got != 2 {
		t.Errorf("first character on line %d, want 2", got)
	}
	if got := a.Line(KindMemory, 1); got != 7 {
		t.Errorf("second memory on line %d, want 7", got)
	}
}

func TestRoundTripEmptyAndWithoutVectors(t *testing.T) {
	for name, d := range map[string]*store.Dataset{
		"empty":           {},
		"without vectors": func() *store.Dataset { d := fixture(); d.Vectors = nil; return d }(),
	} {
		t.Run(name, func(t *testing.T) {
			h := fixtureHeader()
			h.Vectors = nil
			a, err := Read(bytes.NewReader(write(t, h, d)), ReadOptions{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			requireSameRows(t, a.Data, d)
			if a.Header.Vectors != nil {
				t.Errorf("header vectors = %+v, want none", a.Header.Vectors)
			}
		})
	}
}

func TestWriteRefusesWhatReadWouldRefuse(t *testing.T) {
	noVectors := fixtureHeader()
	noVectors.Vectors = nil
	orphan := fixture()
	orphan.Vectors[0].MemoryID = "gone"
	short := fixture()
	short.Vectors[1].Vector = []float32{1}
	for name, tc := range map[string]struct {
		h Header
		d *store.Dataset
	}{
		"undescribed vectors": {noVectors, fixture()},
		"orphan vector":       {fixtureHeader(), orphan},
		"wrong dimension":     {fixtureHeader(), short},
	} {
		t.Run(name, func(t *testing.T) {
			if err := Write(io.Discard, tc.h, tc.d, nil); err == nil {
				t.Fatal("Write succeeded")
			}
		})
	}
}

// edit returns the archive's lines changed by fn.
func edit(t *testing.T, fn func(ls []string) []string) []byte {
	t.Helper()
	return compress(t, fn(lines(t, write(t, fixtureHeader(), fixture()))))
}

// setJSON sets key of the JSON object on line i (0-based) to value.
func setJSON(t *testing.T, ls []string, i int, key string, value any) []string {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(ls[i]), &obj); err != nil {
		t.Fatal(err)
	}
	obj[key] = value
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]string(nil), ls...)
	out[i] = string(b)
	return out
}

// withLore is the fixture as a newer minor version would write it, with
// two records of a kind this version does not know.
func withLore(t *testing.T, version string) []string {
	t.Helper()
	ls := lines(t, write(t, fixtureHeader(), fixture()))
	last := len(ls) - 1
	counts := Counts(fixture())
	counts["lore"] = 2
	ls = setJSON(t, ls, 0, "version", version)
	ls = setJSON(t, ls, 0, "counts", counts)
	ls = setJSON(t, ls, last, "counts", counts)
	ls = setJSON(t, ls, last, "records", 15)
	lore := []string{`{"kind":"lore","data":{"keys":["harbor"]}}`, `{"kind":"lore","data":{"keys":["storm"]}}`}
	return append(append(append([]string{}, ls[:last]...), lore...), ls[last])
}

func TestReadRefusesBrokenArchives(t *testing.T) {
	valid := write(t, fixtureHeader(), fixture())
	n := len(lines(t, valid)) // the trailer is line n
	var unended bytes.Buffer
	gz := gzip.NewWriter(&unended)
	io.WriteString(gz, strings.Join(lines(t, valid), "\n"))
	gz.Close()
	flipped := bytes.Clone(valid)
	flipped[len(flipped)/2] ^= 0xff

	for _, tc := range []struct {
		name    string
		archive []byte
		line    int // 0: any line, -1: no LineError
		want    string
	}{
		{"not gzip", []byte(`{"kind":"header"}`), -1, "not a gzip"},
		{"empty", compress(t, nil), 1, "empty"},
		{"cut in the middle", valid[:len(valid)/2], 0, "truncated"},
		{"cut before the gzip footer", valid[:len(valid)-4], 0, "truncated"},
		{"a flipped byte", flipped, 0, ""},
		{"the last newline missing", unended.Bytes(), n, "has no end"},
		{"no trailer", edit(t, func(ls []string) []string { return ls[:n-1] }), n, "without its trailer"},
		{"a line cut short", edit(t, func(ls []string) []string { ls[4] = ls[4][:10]; return ls }), 5, "invalid JSON"},
		{"not JSON", edit(t, func(ls []string) []string { ls[2] = "ceci n'est pas du JSON"; return ls }), 3, "invalid JSON"},
		{"not an archive", compress(t, []string{`{"hello":"world"}`}), 1, "not a charsim archive"},
		{"a newer major version", edit(t, func(ls []string) []string { return setJSON(t, ls, 0, "version", "2.0") }), 1, "2.0"},
		{"a bad version", edit(t, func(ls []string) []string { return setJSON(t, ls, 0, "version", "one") }), 1, "MAJOR.MINOR"},
		{"a record missing", edit(t, func(ls []string) []string { return append(ls[:5], ls[6:]...) }), n - 1, "records"},
		{"a record added", edit(t, func(ls []string) []string { return append(ls[:6], ls[5:]...) }), 7, "again (first on line 6)"},
		{"trailer counts another kind", edit(t, func(ls []string) []string {
			c := Counts(fixture())
			c[KindMemory], c[KindMessage] = 1, 2
			return setJSON(t, ls, n-1, "counts", c)
		}), n, "memory records"},
		{"an invalid memory", edit(t, func(ls []string) []string {
			return setJSON(t, ls, 5, "data", map[string]any{"id": "m1", "character_id": "c1", "kind": "episodic", "text": "x", "importance": 99})
		}), 6, "importance"},
		{"a memory without an ID", edit(t, func(ls []string) []string {
			return setJSON(t, ls, 5, "data", map[string]any{"character_id": "c1", "kind": "episodic", "text": "x", "importance": 3})
		}), 6, "id"},
		{"a vector of another dimension", edit(t, func(ls []string) []string {
			return setJSON(t, ls, 7, "data", map[string]any{"memory_id": "m1", "character_id": "c1", "kind": "episodic", "vector": []float32{1, 0}})
		}), 8, "dimensions"},
		{"a vector without its memory", edit(t, func(ls []string) []string {
			return setJSON(t, ls, 7, "data", map[string]any{"memory_id": "m9", "character_id": "c1", "kind": "episodic", "vector": []float32{1, 0, 0}})
		}), 8, "not in the archive"},
		{"an unknown kind of this version", edit(t, func(ls []string) []string { return setJSON(t, ls, 3, "kind", "lore") }), 4, "corrupt"},
		{"an unknown field of this version", edit(t, func(ls []string) []string {
			return setJSON(t, ls, 1, "data", map[string]any{"id": "c1", "name": "Aria", "mood": "sunny"})
		}), 2, `unknown field "mood"`},
		{"a second header", edit(t, func(ls []string) []string { ls[3] = ls[0]; return ls }), 4, "second header"},
		{"data after the trailer", edit(t, func(ls []string) []string { return append(ls, ls[1]) }), n + 1, "after the trailer"},
		{"two archives end to end", append(bytes.Clone(valid), valid...), n + 1, "after the trailer"},
		{"garbage after the archive", append(bytes.Clone(valid), "PK\x03\x04"...), n + 1, "corrupt"},
		{"a newer minor version with an unknown kind", compress(t, withLore(t, "1.7")), 15, `"lore" is from archive format 1.7`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Read(bytes.NewReader(tc.archive), ReadOptions{})
			if err == nil {
				t.Fatalf("Read accepted it: %d lines", a.Lines)
			}
			t.Log(err)
			if a != nil {
				t.Errorf("Read returned an archive with its error")
			}
			var le *LineError
			switch {
			case tc.line == -1 && errors.As(err, &le):
				t.Errorf("error %v names a line", err)
			case tc.line >= 0 && !errors.As(err, &le):
				t.Errorf("error %v is not a LineError", err)
			case tc.line > 0 && le.Line != tc.line:
				t.Errorf("error %v names line %d, want %d", err, le.Line, tc.line)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestReadNewerMinorVersion(t *testing.T) {
	archive := compress(t, withLore(t, "1.7"))
	_, err := Read(bytes.NewReader(archive), ReadOptions{})
	if !errors.Is(err, ErrUnknown) {
		t.Fatalf("without SkipUnknown: error %v, want ErrUnknown", err)
	}
	a, err := Read(bytes.NewReader(archive), ReadOptions{SkipUnknown: true})
	if err != nil {
		t.Fatalf("with SkipUnknown: %v", err)
	}
	requireSameRows(t, a.Data, fixture())
	if len(a.Skipped) != 1 || a.Skipped[0] != (Skipped{What: `kind "lore"`, Count: 2, FirstLine: 15}) {
		t.Errorf("skipped = %+v, want 2 lore records from line 15", a.Skipped)
	}

	// A newer minor version may also add fields to known kinds.
	ls := lines(t, write(t, fixtureHeader(), fixture()))
	ls = setJSON(t, ls, 0, "version", "1.9")
	ls = setJSON(t, ls, 1, "data", map[string]any{"id": "c1", "name": "Aria", "personality": "bold", "goals": []string{"sail north"},
		"created_at": at(0), "updated_at": at(1), "mood": "sunny"})
	if _, err := Read(bytes.NewReader(compress(t, ls)), ReadOptions{}); !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("an unknown field without SkipUnknown: error %v, want ErrUnknown on line 2", err)
	}
	a, err = Read(bytes.NewReader(compress(t, ls)), ReadOptions{SkipUnknown: true})
	if err != nil {
		t.Fatalf("an unknown field with SkipUnknown: %v", err)
	}
	requireSameRows(t, a.Data, fixture())
	if len(a.Skipped) != 1 || a.Skipped[0] != (Skipped{What: `field "mood" of character`, Count: 1, FirstLine: 2}) {
		t.Errorf("skipped = %+v", a.Skipped)
	}
}

func TestReadNormalisesAsImport(t *testing.T) {
	// Rows are prepared as Import prepares them, so they compare equal to
	// stored rows: times in UTC to the microsecond, the default branch.
	d := &store.Dataset{
		Characters: []store.Character{{ID: "c1", Name: "Aria", CreatedAt: time.Date(2025, 1, 1, 9, 0, 0, 999, time.FixedZone("X", 3600))}},
		Events:     []store.TimelineEvent{{ID: "e1", ChannelID: "c", Type: store.EventAction, Description: "d", CreatedAt: at(0)}},
	}
	h := fixtureHeader()
	h.Vectors = nil
	a, err := Read(bytes.NewReader(write(t, h, d)), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := a.Data.Characters[0]
	if want := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC); c.CreatedAt != want || c.UpdatedAt != want {
		t.Errorf("character times = %v, %v; want %v", c.CreatedAt, c.UpdatedAt, want)
	}
	if b := a.Data.Events[0].Branch; b != store.DefaultBranch {
		t.Errorf("event branch = %q, want %q", b, store.DefaultBranch)
	}
}

// FuzzRead: no input makes Read panic, and whatever it accepts, Write writes
// back into an archive that reads as the same rows.
func FuzzRead(f *testing.F) {
	valid := func() []byte {
		var buf bytes.Buffer
		if err := Write(&buf, fixtureHeader(), fixture(), nil); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data), ReadOptions{SkipUnknown: true})
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := Write(&again, a.Header, a.Data, nil); err != nil {
			t.Fatalf("an accepted archive does not write back: %v", err)
		}
		b, err := Read(&again, ReadOptions{})
		if err != nil {
			t.Fatalf("the archive written back is refused: %v", err)
		}
		requireSameRows(t, b.Data, a.Data)
	})
}

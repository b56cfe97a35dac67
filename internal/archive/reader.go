package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

// LineError is a problem with one line of an archive; Line 1 is the header.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrUnknown is wrapped by the error about a record kind or field that a
// newer minor version added and this reader does not know.
var ErrUnknown = errors.New("not known to this version")

// ReadOptions tune Read.
type ReadOptions struct {
	// SkipUnknown accepts an archive of a newer minor version with record
	// kinds or fields this reader does not know, leaving them out
	// (Archive.Skipped lists them). Without it such an archive is refused.
	SkipUnknown bool
	// Progress, when set, is called now and then with the lines read so far
	// and the lines the header announces.
	Progress func(lines, total int)
}

// Skipped is something of a newer minor version that Read left out.
type Skipped struct {
	// What is `kind "lore"` or `field "mood" of memory`.
	What      string
	Count     int64
	FirstLine int
}

// Archive is a read and checked archive.
type Archive struct {
	Header Header
	// Data holds every record, validated and normalised as store.Import
	// would (see store.PrepareImportRow), in archive order.
	Data *store.Dataset
	// Skipped lists what a newer minor version holds that Data leaves out.
	Skipped []Skipped
	// Lines is the number of lines, header and trailer included.
	Lines int
	// lines[kind][i] is the line of Data's row i of that kind.
	lines map[string][]int
}

// Line is the line of row i of a kind in Data, for errors that point at it.
func (a *Archive) Line(kindName string, i int) int {
	if l := a.lines[kindName]; i >= 0 && i < len(l) {
		return l[i]
	}
	return 0
}

// Read reads a whole archive and checks it; any problem is a *LineError
// (but for a file that is not gzip at all), and nothing is returned then.
func Read(r io.Reader, opts ReadOptions) (*Archive, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a gzip-compressed charsim archive: %w", err)
	}
	defer gz.Close()
	// gzip reads concatenated members as one stream, so whatever follows the
	// first archive's trailer, a second archive included, is data after the
	// trailer, and refused.
	rd := &reader{
		in:      bufio.NewReaderSize(gz, 1<<16),
		opts:    opts,
		archive: &Archive{Data: &store.Dataset{}, lines: map[string][]int{}},
		keys:    map[string]map[string]int{},
		skipped: map[string]*Skipped{},
	}
	if err := rd.read(); err != nil {
		return nil, err
	}
	return rd.archive, nil
}

// reader is the state of one Read.
type reader struct {
	in      *bufio.Reader
	opts    ReadOptions
	archive *Archive
	line    int
	// total is the number of lines the header announces.
	total int
	// newer is set when the archive's minor version is newer than Minor.
	newer bool
	// keys[kind][key] is the line of the record with that key.
	keys    map[string]map[string]int
	counts  map[string]int64
	records int64
	skipped map[string]*Skipped
	order   []string
}

func (rd *reader) fail(line int, format string, args ...any) error {
	return &LineError{Line: line, Err: fmt.Errorf(format, args...)}
}

// next returns the next line without its newline; io.EOF at the end.
func (rd *reader) next() ([]byte, error) {
	text, err := rd.in.ReadBytes('\n')
	if len(text) > 0 {
		rd.line++
		if rd.opts.Progress != nil && rd.line%1000 == 0 {
			rd.opts.Progress(rd.line, rd.total)
		}
	}
	switch {
	case err == io.EOF && len(text) == 0:
		return nil, io.EOF
	case err == io.EOF:
		// Every line the writer writes ends with a newline.
		return nil, rd.fail(rd.line, "the archive is truncated: the line has no end")
	case err != nil:
		return nil, rd.fail(rd.line+1, "the archive is truncated or corrupt: %w", err)
	}
	return text[:len(text)-1], nil
}

func (rd *reader) read() error {
	if err := rd.readHeader(); err != nil {
		return err
	}
	rd.counts = map[string]int64{}
	for {
		text, err := rd.next()
		if err == io.EOF {
			return rd.fail(rd.line+1, "the archive ends without its trailer: it is truncated")
		}
		if err != nil {
			return err
		}
		var env struct {
			Kind string          `json:"kind"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(text, &env); err != nil {
			return rd.fail(rd.line, "invalid JSON: %w", err)
		}
		switch env.Kind {
		case KindTrailer:
			if err := rd.readTrailer(text); err != nil {
				return err
			}
			return rd.finish()
		case KindHeader:
			return rd.fail(rd.line, "a second header")
		case "":
			return rd.fail(rd.line, "a record without a kind")
		}
		if err := rd.readRecord(env.Kind, env.Data); err != nil {
			return err
		}
	}
}

func (rd *reader) readHeader() error {
	text, err := rd.next()
	if err == io.EOF {
		return rd.fail(1, "the archive is empty")
	}
	if err != nil {
		return err
	}
	var h Header
	if err := json.Unmarshal(text, &h); err != nil {
		return rd.fail(1, "not a charsim archive header: invalid JSON: %w", err)
	}
	if h.Kind != KindHeader || h.Format != FormatName {
		return rd.fail(1, "not a charsim archive header (kind %q, format %q; want %q, %q)", h.Kind, h.Format, KindHeader, FormatName)
	}
	major, minor, err := parseVersion(h.Version)
	if err != nil {
		return rd.fail(1, "%w", err)
	}
	if major != Major {
		return rd.fail(1, "archive format version %s cannot be read by this charsimctl, which reads %d.x: use a charsimctl of the same major version (this one writes %s)",
			h.Version, Major, Version())
	}
	rd.newer = minor > Minor
	if h.Vectors != nil && h.Vectors.Dimension < 1 {
		return rd.fail(1, "vectors: dimension must be positive, got %d", h.Vectors.Dimension)
	}
	rd.archive.Header = h
	rd.total = 2
	for _, n := range h.Counts {
		rd.total += int(n)
	}
	return nil
}

func (rd *reader) readRecord(kindName string, data json.RawMessage) error {
	rd.records++
	rd.counts[kindName]++
	k, known := kindNamed(kindName)
	if !known {
		return rd.unknown(fmt.Sprintf("kind %q", kindName), fmt.Sprintf("record kind %q", kindName))
	}
	if len(data) == 0 || string(data) == "null" {
		return rd.fail(rd.line, "%s record without data", kindName)
	}
	key, err := k.decode(rd.archive.Data, data, true)
	var field string
	if err != nil && rd.newer {
		if field = unknownField(err); field != "" {
			if err := rd.unknown(fmt.Sprintf("field %q of %s", field, kindName), fmt.Sprintf("field %q of a %s record", field, kindName)); err != nil {
				return err
			}
			key, err = k.decode(rd.archive.Data, data, false)
		}
	}
	if err != nil {
		return rd.fail(rd.line, "invalid %s record: %w", kindName, err)
	}
	keys := rd.keys[kindName]
	if keys == nil {
		keys = map[string]int{}
		rd.keys[kindName] = keys
	}
	if first, dup := keys[key]; dup {
		return rd.fail(rd.line, "%s %s again (first on line %d)", kindName, key, first)
	}
	keys[key] = rd.line
	rd.archive.lines[kindName] = append(rd.archive.lines[kindName], rd.line)
	if kindName == KindVector {
		return rd.checkVector()
	}
	return nil
}

// checkVector checks the vector just read against the header.
func (rd *reader) checkVector() error {
	vs := rd.archive.Data.Vectors
	v := vs[len(vs)-1]
	h := rd.archive.Header.Vectors
	if h == nil {
		return rd.fail(rd.line, "a vector record, but the header describes no vectors")
	}
	if len(v.Vector) != h.Dimension {
		return rd.fail(rd.line, "vector of memory %s has %d dimensions, the header says %d", v.MemoryID, len(v.Vector), h.Dimension)
	}
	return nil
}

// unknown records (or refuses) a kind or field this version does not know.
func (rd *reader) unknown(key, what string) error {
	version := rd.archive.Header.Version
	if !rd.newer {
		return rd.fail(rd.line, "unknown %s in an archive of format %s, which has no such thing: the archive is corrupt", what, version)
	}
	if !rd.opts.SkipUnknown {
		return &LineError{Line: rd.line, Err: fmt.Errorf("%s is from archive format %s, newer than this charsimctl's %s, and %w: upgrade charsimctl, or skip what it does not know (--skip-unknown)",
			what, version, Version(), ErrUnknown)}
	}
	s := rd.skipped[key]
	if s == nil {
		s = &Skipped{What: key, FirstLine: rd.line}
		rd.skipped[key] = s
		rd.order = append(rd.order, key)
	}
	s.Count++
	return nil
}

// unknownField is the field an "unknown field" decoding error names, or "".
func unknownField(err error) string {
	_, rest, ok := strings.Cut(err.Error(), "json: unknown field ")
	if !ok {
		return ""
	}
	return strings.Trim(rest, `"`)
}

func (rd *reader) readTrailer(text []byte) error {
	var t Trailer
	dec := json.NewDecoder(bytes.NewReader(text))
	if !rd.newer {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&t); err != nil {
		return rd.fail(rd.line, "invalid trailer: %w", err)
	}
	if t.Records != rd.records {
		return rd.fail(rd.line, "the trailer counts %d records, the archive holds %d", t.Records, rd.records)
	}
	for _, name := range countKinds(t.Counts, rd.counts, rd.archive.Header.Counts) {
		got, trailer, header := rd.counts[name], t.Counts[name], rd.archive.Header.Counts[name]
		if got != trailer || got != header {
			return rd.fail(rd.line, "%s records: the archive holds %d, the trailer counts %d, the header %d", name, got, trailer, header)
		}
	}
	// Nothing may follow the trailer.
	if extra, err := rd.next(); err != io.EOF {
		if err != nil {
			return err
		}
		return rd.fail(rd.line, "data after the trailer (%d bytes)", len(extra))
	}
	return nil
}

// countKinds lists every kind named in any of the counts, sorted.
func countKinds(counts ...map[string]int64) []string {
	var names []string
	for _, c := range counts {
		for name := range c {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// finish checks what needs the whole archive and fills in the results.
func (rd *reader) finish() error {
	d := rd.archive.Data
	memories := rd.keys[KindMemory]
	for i, v := range d.Vectors {
		if _, ok := memories[v.MemoryID]; !ok {
			return rd.fail(rd.archive.Line(KindVector, i), "vector of memory %s, which is not in the archive", v.MemoryID)
		}
	}
	for _, key := range rd.order {
		rd.archive.Skipped = append(rd.archive.Skipped, *rd.skipped[key])
	}
	rd.archive.Lines = rd.line
	if rd.opts.Progress != nil {
		rd.opts.Progress(rd.line, rd.total)
	}
	return nil
}

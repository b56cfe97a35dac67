package archive

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FormatName is the header's "format": what makes a gzip of JSON lines a
// charsim archive.
const FormatName = "charsim-archive"

// The format version this package writes and reads (see the package doc).
const (
	Major = 1
	// Minor 1 added the kinds card, lore_book and lore_entry.
	// Minor 2 added the kind persona.
	Minor = 2
)

// Version is the version written into new archives, "MAJOR.MINOR".
func Version() string { return fmt.Sprintf("%d.%d", Major, Minor) }

// The kinds of the first and the last line.
const (
	KindHeader  = "header"
	KindTrailer = "trailer"
)

// Header is the first line of an archive.
type Header struct {
	Kind    string `json:"kind"`
	Format  string `json:"format"`
	Version string `json:"version"`
	// Charsim is the version of the charsim that wrote the archive.
	Charsim   string    `json:"charsim"`
	CreatedAt time.Time `json:"created_at"`
	// Source is the backend the archive was exported from ("sqlite",
	// "postgres"), never its URL, which may carry a password.
	Source string `json:"source,omitempty"`
	// Vectors describes the vector records; nil when there are none.
	Vectors *Vectors `json:"vectors,omitempty"`
	// Counts is the number of records of each kind.
	Counts map[string]int64 `json:"counts"`
}

// Vectors says how the vector records of an archive were made.
type Vectors struct {
	// Embedder is the fingerprint of the embedder (memory.Fingerprint), or
	// empty when the source store did not record it.
	Embedder  string `json:"embedder"`
	Dimension int    `json:"dimension"`
}

// Trailer is the last line of an archive.
type Trailer struct {
	Kind string `json:"kind"`
	// Records is the number of record lines between header and trailer.
	Records int64            `json:"records"`
	Counts  map[string]int64 `json:"counts"`
}

// record is one line between header and trailer.
type record struct {
	Kind string `json:"kind"`
	Data any    `json:"data"`
}

// parseVersion splits "MAJOR.MINOR".
func parseVersion(v string) (major, minor int, err error) {
	a, b, ok := strings.Cut(v, ".")
	major, errMajor := strconv.Atoi(a)
	minor, errMinor := strconv.Atoi(b)
	if !ok || errMajor != nil || errMinor != nil || major < 0 || minor < 0 {
		return 0, 0, fmt.Errorf("version %q is not MAJOR.MINOR", v)
	}
	return major, minor, nil
}

package archive

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"

	"github.com/mojin/charsim/internal/store"
)

// Write writes d as an archive to w: the header h (whose kind, format,
// version and counts Write fills in), one record per row in the order of
// Kinds, and the trailer. h.Vectors must be set exactly when d has vectors,
// and every vector must have h.Vectors.Dimension dimensions. progress, when
// set, is called now and then with the records written so far and in all.
func Write(w io.Writer, h Header, d *store.Dataset, progress func(done, total int64)) error {
	if err := checkVectors(h, d); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	h.Kind, h.Format, h.Version = KindHeader, FormatName, Version()
	h.Counts = Counts(d)
	var total int64
	for _, n := range h.Counts {
		total += n
	}

	gz := gzip.NewWriter(w)
	buf := bufio.NewWriterSize(gz, 1<<16)
	enc := json.NewEncoder(buf) // Encode ends every value with "\n".
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("write archive header: %w", err)
	}
	var done int64
	for _, k := range kinds {
		for i := range k.rows(d) {
			if err := enc.Encode(record{Kind: k.name, Data: k.row(d, i)}); err != nil {
				return fmt.Errorf("write archive: %s %s: %w", k.name, k.key(d, i), err)
			}
			done++
			if progress != nil && done%1000 == 0 {
				progress(done, total)
			}
		}
	}
	if err := enc.Encode(Trailer{Kind: KindTrailer, Records: done, Counts: maps.Clone(h.Counts)}); err != nil {
		return fmt.Errorf("write archive trailer: %w", err)
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if progress != nil {
		progress(done, total)
	}
	return nil
}

// checkVectors refuses vectors the header does not describe, so that no
// archive is written that Read would refuse.
func checkVectors(h Header, d *store.Dataset) error {
	switch {
	case h.Vectors == nil && len(d.Vectors) > 0:
		return fmt.Errorf("%d vectors but no vector description in the header", len(d.Vectors))
	case h.Vectors != nil && h.Vectors.Dimension < 1:
		return fmt.Errorf("the header's vector dimension must be positive, got %d", h.Vectors.Dimension)
	}
	memories := make(map[string]bool, len(d.Memories))
	for _, m := range d.Memories {
		memories[m.ID] = true
	}
	for _, v := range d.Vectors {
		if len(v.Vector) != h.Vectors.Dimension {
			return fmt.Errorf("vector of memory %s has %d dimensions, the header says %d", v.MemoryID, len(v.Vector), h.Vectors.Dimension)
		}
		if !memories[v.MemoryID] {
			return fmt.Errorf("vector of memory %s, which is not in the dataset", v.MemoryID)
		}
	}
	return nil
}

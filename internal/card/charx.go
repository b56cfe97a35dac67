package card

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// CharxCardPath is where a CHARX keeps its card.
const CharxCardPath = "card.json"

// decodeCharx reads a CHARX: a zip with card.json at its root and the
// assets its embeded:// URIs name. Every entry name is checked (no
// absolute path, no "..", no drive letter, no NUL), and sizes are bounded
// twice: by the sizes the zip declares, before anything is inflated, and
// by the bytes actually inflated.
func decodeCharx(b []byte, lim Limits) (*Result, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrCorruptZip)
	}
	if int64(len(zr.File)) > int64(lim.MaxCharxEntries) {
		return nil, &LimitError{What: "CHARX zip", Size: int64(len(zr.File)), Limit: int64(lim.MaxCharxEntries), Err: ErrTooManyEntries}
	}
	files := map[string]*zip.File{}
	var declared uint64
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return nil, err
		}
		if f.Flags&0x1 != 0 {
			return nil, fmt.Errorf("entry %q is encrypted: %w", f.Name, ErrCorruptZip)
		}
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("entry %q appears twice: %w", f.Name, ErrCorruptZip)
		}
		files[f.Name] = f
		if f.UncompressedSize64 > uint64(lim.MaxCharxEntrySize) {
			return nil, tooLarge(fmt.Sprintf("CHARX entry %q (declared size)", f.Name), clampInt64(f.UncompressedSize64), lim.MaxCharxEntrySize)
		}
		declared += f.UncompressedSize64
		if declared > uint64(lim.MaxCharxTotal) {
			return nil, tooLarge("CHARX total (declared sizes)", clampInt64(declared), lim.MaxCharxTotal)
		}
	}
	var inflated int64
	read := func(f *zip.File, max int64) ([]byte, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %q: %v: %w", f.Name, err, ErrCorruptZip)
		}
		defer rc.Close()
		data, err := readLimited(rc, min(max, lim.MaxCharxTotal-inflated), fmt.Sprintf("CHARX entry %q", f.Name))
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				if le.Limit < max {
					return nil, tooLarge("CHARX total (inflated)", inflated+le.Size, lim.MaxCharxTotal)
				}
				return nil, err
			}
			if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
				return nil, fmt.Errorf("entry %q inflates to more than its declared size or fails its checksum (%v): %w", f.Name, err, ErrCorruptZip)
			}
			return nil, fmt.Errorf("entry %q: %v: %w", f.Name, err, ErrCorruptZip)
		}
		inflated += int64(len(data))
		return data, nil
	}

	cf, ok := files[CharxCardPath]
	if !ok || cf.FileInfo().IsDir() {
		return nil, fmt.Errorf("the zip has no %s at its root: %w", CharxCardPath, ErrNoCard)
	}
	js, err := read(cf, min(lim.MaxCardJSON, lim.MaxCharxEntrySize))
	if err != nil {
		return nil, err
	}
	c, p, err := parseJSON(js)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CharxCardPath, err)
	}
	res := &Result{Format: FormatCHARX, Card: c, CardJSON: js}
	res.setParsed(p)
	cache := map[string][]byte{}
	err = resolveAssets(res, lim, func(uri string) ([]byte, string, error) {
		path, ok := embeddedPath(uri)
		if !ok {
			return nil, "", nil
		}
		if data, ok := cache[path]; ok {
			return data, path, nil
		}
		f, ok := files[path]
		if !ok || f.FileInfo().IsDir() {
			return nil, "", nil
		}
		data, err := read(f, lim.MaxCharxEntrySize)
		if err != nil {
			return nil, "", err
		}
		cache[path] = data
		return data, path, nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkEntryName refuses names that would leave a directory they were
// extracted into.
func checkEntryName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("entry %q: %s: %w", name, why, ErrUnsafePath)
	}
	switch {
	case name == "":
		return bad("empty name")
	case strings.ContainsRune(name, 0):
		return bad("NUL byte in the name")
	}
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.HasPrefix(n, "/"):
		return bad("absolute path")
	case len(n) >= 2 && n[1] == ':':
		return bad("drive letter")
	}
	for _, el := range strings.Split(n, "/") {
		if el == ".." {
			return bad(`".." in the path`)
		}
	}
	return nil
}

func clampInt64(v uint64) int64 {
	if v > uint64(unlimited) {
		return unlimited
	}
	return int64(v)
}

package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mojin/charsim/internal/store"
)

// Limits on form input, checked before anything is stored, so that a
// hostile or mistaken paste gets a clear error instead of a huge row.
const (
	maxNameLen     = 200
	maxTextLen     = 20000
	maxListItems   = 100
	maxIDLen       = 200
	maxUploadBytes = 64 << 20
	// maxSelected bounds a bulk selection.
	maxSelected = 1000
)

// form reads and checks the fields of a posted form; each error names its
// field.
type form struct {
	r    *http.Request
	errs []error
}

func newForm(r *http.Request) *form { return &form{r: r} }

func (f *form) fail(field, format string, args ...any) {
	f.errs = append(f.errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// err is every problem found, or nil.
func (f *form) err() error { return errors.Join(f.errs...) }

// text is a trimmed field of at most limit characters, valid UTF-8 with no
// control characters but newlines and tabs.
func (f *form) text(field string, limit int, required bool) string {
	v := strings.TrimSpace(f.r.PostFormValue(field))
	switch {
	case required && v == "":
		f.fail(field, "is required")
	case !utf8.ValidString(v):
		f.fail(field, "is not valid UTF-8")
	case utf8.RuneCountInString(v) > limit:
		f.fail(field, "is %d characters long; at most %d are allowed", utf8.RuneCountInString(v), limit)
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f }):
		f.fail(field, "holds control characters")
	}
	return v
}

// list is a field of one item per line, blank lines dropped.
func (f *form) list(field string) []string {
	raw := f.text(field, maxTextLen, false)
	var out []string
	for _, line := range strings.Split(raw, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	if len(out) > maxListItems {
		f.fail(field, "has %d lines; at most %d are allowed", len(out), maxListItems)
	}
	return out
}

// integer is a whole number in lo..hi.
func (f *form) integer(field string, lo, hi int) int {
	raw := strings.TrimSpace(f.r.PostFormValue(field))
	n, err := strconv.Atoi(raw)
	if err != nil {
		f.fail(field, "must be a whole number, got %q", clip(raw))
		return 0
	}
	if n < lo || n > hi {
		f.fail(field, "must be between %d and %d, got %d", lo, hi, n)
	}
	return n
}

// oneOf is a field whose value must be one of allowed.
func oneOf[T ~string](f *form, field string, allowed []T) T {
	v := T(strings.TrimSpace(f.r.PostFormValue(field)))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	f.fail(field, "must be one of %v, got %q", allowed, clip(string(v)))
	return v
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// queryDate parses a YYYY-MM-DD filter; end makes it the end of that day.
func queryDate(field, raw string, end bool) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: must be a date like 2026-01-31, got %q", field, clip(raw))
	}
	if end {
		d = d.Add(24*time.Hour - time.Nanosecond)
	}
	return d, nil
}

// userError is the message shown for a store error: validation and
// conflicts are the user's to fix and say which field; anything else is
// logged and shown as a generic failure.
func (c *Console) userError(r *http.Request, err error) string {
	switch {
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return err.Error()
	}
	c.deps.Logger.Error("console write failed", "path", r.URL.Path, "error", err)
	return "the write failed; the server logged the details"
}

// urlValues encodes key, value pairs as a query string.
func urlValues(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

package card

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Decode returns wraps exactly one of them, so
// callers can tell the problems apart with errors.Is; the message adds
// where it happened (the chunk, the zip entry, the JSON field).
var (
	// ErrTooLarge: the file, a PNG chunk, the card JSON, a CHARX entry or
	// the CHARX total is bigger than its limit (see Limits and LimitError).
	ErrTooLarge = errors.New("too large")
	// ErrTooManyEntries: a CHARX zip holds more entries than
	// Limits.MaxCharxEntries.
	ErrTooManyEntries = errors.New("too many zip entries")
	// ErrUnknownFormat: the content is not a PNG, a zip or JSON.
	ErrUnknownFormat = errors.New("unknown file format")
	// ErrNoCard: a PNG without a chara/ccv3 text chunk, or a CHARX without
	// card.json.
	ErrNoCard = errors.New("no character card found")
	// ErrBadBase64: a PNG text chunk that is not base64 (nor plain JSON).
	ErrBadBase64 = errors.New("bad base64")
	// ErrBadJSON: the card text is not valid JSON.
	ErrBadJSON = errors.New("bad JSON")
	// ErrNotACard: valid JSON that is not a character card: not an object,
	// no name, or a field of the wrong type (see FieldError).
	ErrNotACard = errors.New("not a character card")
	// ErrUnknownSpec: a "spec" string that is not chara_card_v2 or
	// chara_card_v3 (nor the unofficial chara_card_v1).
	ErrUnknownSpec = errors.New("unknown card spec")
	// ErrCorruptPNG: a truncated PNG, a chunk with a bad CRC or a bad
	// length, a malformed text chunk, no IEND.
	ErrCorruptPNG = errors.New("corrupt PNG")
	// ErrCorruptZip: a CHARX that is not a readable zip, has an encrypted
	// or duplicate entry, or an entry whose data does not match its header.
	ErrCorruptZip = errors.New("corrupt CHARX zip")
	// ErrUnsafePath: a CHARX entry name that is absolute, contains "..",
	// a backslash-rooted or drive path, or a NUL byte.
	ErrUnsafePath = errors.New("unsafe path in CHARX")
	// ErrBadImage: EncodePNG was given an avatar that is not a PNG, JPEG
	// or GIF image, or whose pixel count exceeds Limits.MaxImagePixels.
	ErrBadImage = errors.New("bad avatar image")
)

// LimitError reports which limit was exceeded. It wraps ErrTooLarge or
// ErrTooManyEntries.
type LimitError struct {
	What  string // e.g. "file", "PNG chunk tEXt", "CHARX entry card.json"
	Size  int64  // the size seen (or declared); at least Limit+1
	Limit int64
	Err   error // ErrTooLarge or ErrTooManyEntries
}

func (e *LimitError) Error() string {
	if e.Err == ErrTooManyEntries {
		return fmt.Sprintf("%s: %d entries, the limit is %d: %v", e.What, e.Size, e.Limit, e.Err)
	}
	return fmt.Sprintf("%s: %d bytes or more, the limit is %d: %v", e.What, e.Size, e.Limit, e.Err)
}

func (e *LimitError) Unwrap() error { return e.Err }

func tooLarge(what string, size, limit int64) error {
	return &LimitError{What: what, Size: size, Limit: limit, Err: ErrTooLarge}
}

// FieldError is a card field with the wrong type. It wraps ErrNotACard.
type FieldError struct {
	Path string // JSON path, e.g. "data.character_book.entries[3].keys"
	Want string // e.g. "an array of strings"
	Got  string // the JSON kind found: "a string", "a number", …
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: want %s, got %s: %v", e.Path, e.Want, e.Got, ErrNotACard)
}

func (e *FieldError) Unwrap() error { return ErrNotACard }

package card

// Limits bound what Decode accepts, so that a hostile file costs a bounded
// amount of memory and time. A zero field takes its default
// (DefaultLimits); a negative field means no limit.
type Limits struct {
	// MaxFileSize is the largest input accepted, in bytes. Default 20 MiB.
	MaxFileSize int64
	// MaxChunkSize is the largest PNG chunk, and the largest inflated
	// zTXt/iTXt text, in bytes. Default 20 MiB.
	MaxChunkSize int64
	// MaxCardJSON is the largest card JSON (after base64 decoding, or the
	// inflated card.json), in bytes. Default 20 MiB.
	MaxCardJSON int64
	// MaxCharxEntrySize is the largest uncompressed CHARX entry, in bytes,
	// checked against the declared size and against the bytes actually
	// inflated. Default 20 MiB.
	MaxCharxEntrySize int64
	// MaxCharxTotal is the largest uncompressed total of a CHARX: the
	// declared sizes of all entries, and the bytes actually inflated.
	// Default 64 MiB.
	MaxCharxTotal int64
	// MaxCharxEntries is the largest number of entries in a CHARX zip.
	// Default 1024.
	MaxCharxEntries int
	// MaxImagePixels bounds the width×height of an avatar EncodePNG has to
	// decode (a JPEG or GIF avatar). Default 40 megapixels.
	MaxImagePixels int64
}

// Default limits.
const (
	DefaultMaxFileSize       = 20 << 20
	DefaultMaxChunkSize      = 20 << 20
	DefaultMaxCardJSON       = 20 << 20
	DefaultMaxCharxEntrySize = 20 << 20
	DefaultMaxCharxTotal     = 64 << 20
	DefaultMaxCharxEntries   = 1024
	DefaultMaxImagePixels    = 40_000_000
)

// DefaultLimits returns the limits Decode uses.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:       DefaultMaxFileSize,
		MaxChunkSize:      DefaultMaxChunkSize,
		MaxCardJSON:       DefaultMaxCardJSON,
		MaxCharxEntrySize: DefaultMaxCharxEntrySize,
		MaxCharxTotal:     DefaultMaxCharxTotal,
		MaxCharxEntries:   DefaultMaxCharxEntries,
		MaxImagePixels:    DefaultMaxImagePixels,
	}
}

const unlimited = int64(^uint64(0) >> 1)

// resolved returns l with zero fields set to their defaults and negative
// fields to "no limit".
func (l Limits) resolved() Limits {
	d := DefaultLimits()
	pick := func(v, def int64) int64 {
		switch {
		case v == 0:
			return def
		case v < 0:
			return unlimited
		}
		return v
	}
	r := Limits{
		MaxFileSize:       pick(l.MaxFileSize, d.MaxFileSize),
		MaxChunkSize:      pick(l.MaxChunkSize, d.MaxChunkSize),
		MaxCardJSON:       pick(l.MaxCardJSON, d.MaxCardJSON),
		MaxCharxEntrySize: pick(l.MaxCharxEntrySize, d.MaxCharxEntrySize),
		MaxCharxTotal:     pick(l.MaxCharxTotal, d.MaxCharxTotal),
		MaxImagePixels:    pick(l.MaxImagePixels, d.MaxImagePixels),
	}
	r.MaxCharxEntries = int(pick(int64(l.MaxCharxEntries), int64(d.MaxCharxEntries)))
	return r
}

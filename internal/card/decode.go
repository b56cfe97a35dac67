package card

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Format is the container a card came in.
type Format string

// Formats.
const (
	FormatJSON  Format = "json"
	FormatPNG   Format = "png"
	FormatCHARX Format = "charx"
)

// Result is a decoded card and what came with it.
type Result struct {
	Card        *Card
	Version     Version // of the card JSON read
	Spec        string  // its "spec", "" for V1
	SpecVersion string  // its "spec_version"
	Format      Format
	// Chunk is the PNG text chunk the card was read from: "ccv3" or
	// "chara".
	Chunk string
	// Original is the input exactly as given (a copy): the imported card,
	// for the caller to keep.
	Original []byte
	// CardJSON is the card JSON that was read (from the file, the PNG
	// chunk or card.json).
	CardJSON []byte
	// Avatar is the character's image, or nil: the main icon asset when it
	// resolved, else for a PNG card the PNG itself without its card chunks.
	Avatar    []byte
	AvatarExt string // the avatar's extension ("png", …) as the card says
	// Assets are the bytes of the card's assets that resolved (embedded in
	// the CHARX or PNG, or data: URIs); remote URLs are not fetched.
	Assets []AssetData
	// Warnings are what lenient reading let through, for the user.
	Warnings []string
}

// AssetData is the content of Card.Assets[Index].
type AssetData struct {
	Index int
	Path  string // inside the CHARX or PNG; "" for a data: URI
	Data  []byte
}

func (r *Result) setParsed(p *parsed) {
	r.Version, r.Spec, r.SpecVersion = p.version, p.spec, p.specVersion
	r.Warnings = append(r.Warnings, p.warnings...)
}

// Decode reads a card from a file's content, with DefaultLimits. The
// format is told by the content (PNG signature, zip signature, JSON), not
// by a file name. Decode only returns a Result when the whole card and its
// assets were read without error: a caller that stores only after Decode
// returned stores nothing of a hostile file.
func Decode(data []byte) (*Result, error) { return Limits{}.Decode(data) }

// DecodeReader reads at most Limits.MaxFileSize+1 bytes from r and decodes
// them, with DefaultLimits.
func DecodeReader(r io.Reader) (*Result, error) { return Limits{}.DecodeReader(r) }

// DecodeReader is Decode of what r yields, reading no more than the file
// limit allows.
func (l Limits) DecodeReader(r io.Reader) (*Result, error) {
	lim := l.resolved()
	data, err := readLimited(r, lim.MaxFileSize, "file")
	if err != nil {
		if _, ok := err.(*LimitError); ok {
			return nil, fmt.Errorf("card: %w", err)
		}
		return nil, fmt.Errorf("card: read: %w", err)
	}
	return l.Decode(data)
}

// Decode reads a card with these limits (see the package Decode).
func (l Limits) Decode(data []byte) (*Result, error) {
	lim := l.resolved()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, fmt.Errorf("card: %w", tooLarge("file", int64(len(data)), lim.MaxFileSize))
	}
	var (
		res *Result
		err error
	)
	format := Detect(data)
	switch format {
	case FormatPNG:
		res, err = decodePNG(data, lim)
	case FormatCHARX:
		res, err = decodeCharx(data, lim)
	case FormatJSON:
		res, err = decodeJSONFile(data, lim)
	default:
		what := "not a PNG, a CHARX zip or JSON"
		if k := imageKind(data); k != "" {
			what = "a " + k + " image, which cannot carry a card (only PNG can)"
		}
		return nil, fmt.Errorf("card: the file is %s: %w", what, ErrUnknownFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("card: %s: %w", format, err)
	}
	res.Original = bytes.Clone(data)
	res.CardJSON = bytes.Clone(res.CardJSON)
	return res, nil
}

// Detect tells the container from the content: FormatPNG, FormatCHARX,
// FormatJSON, or "" when it is none of them.
func Detect(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, pngSignature):
		return FormatPNG
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return FormatCHARX
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return FormatJSON
	}
	// A zip with something before it (a self-extracting stub): its end of
	// central directory is within the last 64 KiB + 22 bytes.
	tail := data
	if len(tail) > 65557 {
		tail = tail[len(tail)-65557:]
	}
	if imageKind(data) == "" && bytes.Contains(tail, []byte("PK\x05\x06")) {
		return FormatCHARX
	}
	return ""
}

func imageKind(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "JPEG"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "GIF"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "WebP"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return "AVIF/HEIF"
	}
	return ""
}

func decodeJSONFile(data []byte, lim Limits) (*Result, error) {
	if int64(len(data)) > lim.MaxCardJSON {
		return nil, tooLarge("card JSON", int64(len(data)), lim.MaxCardJSON)
	}
	c, p, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	res := &Result{Format: FormatJSON, Card: c, CardJSON: data}
	res.setParsed(p)
	if err := resolveAssets(res, lim, nil); err != nil {
		return nil, err
	}
	return res, nil
}

// resolveAssets fills res.Assets (data: URIs, and what lookup finds) and
// res.Avatar from the main icon. lookup returns nil data for a URI it does
// not resolve.
func resolveAssets(res *Result, lim Limits, lookup func(uri string) (data []byte, path string, err error)) error {
	icon := res.Card.MainIcon()
	for i, a := range res.Card.Assets {
		var (
			data []byte
			path string
			err  error
		)
		what := fmt.Sprintf("data.assets[%d] (%s %q)", i, a.Type, a.Name)
		switch {
		case strings.HasPrefix(a.URI, "data:"):
			meta, payload, ok := strings.Cut(a.URI[len("data:"):], ",")
			if !ok || !strings.HasSuffix(meta, ";base64") {
				res.Warnings = append(res.Warnings, what+": a data: URI that is not base64; not read")
				continue
			}
			data, err = decodeBase64([]byte(payload), what, lim.MaxChunkSize)
		case lookup != nil:
			data, path, err = lookup(a.URI)
			if err == nil && data == nil && isEmbedded(a.URI) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: %s is not in the file", what, a.URI))
			}
		}
		if err != nil {
			return err
		}
		if data == nil {
			continue
		}
		res.Assets = append(res.Assets, AssetData{Index: i, Path: path, Data: data})
		if i == icon {
			res.Avatar, res.AvatarExt = data, a.Ext
		}
	}
	return nil
}

func isEmbedded(uri string) bool {
	_, ok := embeddedPath(uri)
	return ok || strings.HasPrefix(uri, "__asset:")
}

// embeddedPath returns the zip path of an embeded:// URI (the spec's
// spelling) or embedded:// (a common one).
func embeddedPath(uri string) (string, bool) {
	for _, p := range []string{"embeded://", "embedded://"} {
		if len(uri) >= len(p) && strings.EqualFold(uri[:len(p)], p) {
			return strings.TrimLeft(uri[len(p):], "/"), true
		}
	}
	return "", false
}

package card

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Text chunk keywords, compared case-insensitively on read as SillyTavern
// does.
const (
	KeywordV2 = "chara"
	KeywordV3 = "ccv3"
	// keywordAsset prefixes the V3 spec's (discouraged) PNG assets,
	// referenced by "__asset:{path}" URIs.
	keywordAsset = "chara-ext-asset_:"
)

type chunk struct {
	typ    string
	data   []byte
	offset int // of the chunk's length field in the file
}

// readChunks splits a PNG into chunks, checking every length and CRC. Data
// after IEND is ignored.
func readChunks(b []byte, lim Limits) ([]chunk, error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return nil, fmt.Errorf("no PNG signature: %w", ErrCorruptPNG)
	}
	var out []chunk
	off := len(pngSignature)
	for {
		if len(b)-off < 8 {
			if len(b) == off {
				return nil, fmt.Errorf("PNG ends at byte %d without an IEND chunk: %w", off, ErrCorruptPNG)
			}
			return nil, fmt.Errorf("PNG truncated in a chunk header at byte %d: %w", off, ErrCorruptPNG)
		}
		n := int64(binary.BigEndian.Uint32(b[off:]))
		typ := b[off+4 : off+8]
		for _, c := range typ {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return nil, fmt.Errorf("chunk at byte %d has an invalid type %q: %w", off, typ, ErrCorruptPNG)
			}
		}
		name := string(typ)
		if n > 1<<31-1 {
			return nil, fmt.Errorf("chunk %s at byte %d declares %d bytes, more than PNG allows: %w", name, off, n, ErrCorruptPNG)
		}
		if n > lim.MaxChunkSize {
			return nil, tooLarge(fmt.Sprintf("PNG chunk %s at byte %d", name, off), n, lim.MaxChunkSize)
		}
		if int64(len(b)-off-12) < n {
			return nil, fmt.Errorf("chunk %s at byte %d declares %d bytes but the file has %d left (truncated): %w",
				name, off, n, max(0, len(b)-off-12), ErrCorruptPNG)
		}
		data := b[off+8 : off+8+int(n)]
		want := binary.BigEndian.Uint32(b[off+8+int(n):])
		crc := crc32.NewIEEE()
		crc.Write(typ)
		crc.Write(data)
		if got := crc.Sum32(); got != want {
			return nil, fmt.Errorf("chunk %s at byte %d has a bad CRC (stored %08x, computed %08x): %w", name, off, want, got, ErrCorruptPNG)
		}
		out = append(out, chunk{typ: name, data: data, offset: off})
		off += 12 + int(n)
		if name == "IEND" {
			return out, nil
		}
	}
}

// writeChunks writes a PNG from its chunks.
func writeChunks(chunks []chunk) []byte {
	size := len(pngSignature)
	for _, c := range chunks {
		size += 12 + len(c.data)
	}
	out := make([]byte, 0, size)
	out = append(out, pngSignature...)
	for _, c := range chunks {
		out = binary.BigEndian.AppendUint32(out, uint32(len(c.data)))
		start := len(out)
		out = append(out, c.typ...)
		out = append(out, c.data...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	return out
}

// textChunk is a tEXt, zTXt or iTXt chunk, its text not yet inflated.
type textChunk struct {
	typ        string
	keyword    string
	text       []byte // raw (tEXt, uncompressed iTXt) or zlib (zTXt, compressed iTXt)
	compressed bool
	offset     int
}

// parseText reads the keyword of a text chunk; ok is false for other
// chunks and malformed text chunks (which are not ours to refuse).
func parseText(c chunk) (t textChunk, ok bool) {
	if c.typ != "tEXt" && c.typ != "zTXt" && c.typ != "iTXt" {
		return t, false
	}
	k, rest, found := bytes.Cut(c.data, []byte{0})
	if !found || len(k) == 0 {
		return t, false
	}
	t = textChunk{typ: c.typ, keyword: string(k), offset: c.offset}
	switch c.typ {
	case "tEXt":
		t.text = rest
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return t, false
		}
		t.text, t.compressed = rest[1:], true
	case "iTXt":
		if len(rest) < 2 {
			return t, false
		}
		flag, method := rest[0], rest[1]
		_, rest, found = bytes.Cut(rest[2:], []byte{0}) // language tag
		if !found {
			return t, false
		}
		_, rest, found = bytes.Cut(rest, []byte{0}) // translated keyword
		if !found || (flag == 1 && method != 0) {
			return t, false
		}
		t.text, t.compressed = rest, flag == 1
	}
	return t, true
}

func (t textChunk) what() string {
	return fmt.Sprintf("PNG %s chunk %q at byte %d", t.typ, t.keyword, t.offset)
}

// content returns the chunk's text, inflated within the chunk limit.
func (t textChunk) content(lim Limits) ([]byte, error) {
	if !t.compressed {
		return t.text, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(t.text))
	if err != nil {
		return nil, fmt.Errorf("%s: bad zlib data: %v: %w", t.what(), err, ErrCorruptPNG)
	}
	defer zr.Close()
	out, err := readLimited(zr, lim.MaxChunkSize, t.what()+" inflated")
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: bad zlib data: %v: %w", t.what(), err, ErrCorruptPNG)
	}
	return out, nil
}

// readLimited reads r to its end, failing with ErrTooLarge past max bytes.
func readLimited(r io.Reader, max int64, what string) ([]byte, error) {
	limit := max
	if limit < unlimited {
		limit++
	}
	out, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > max {
		return nil, tooLarge(what, int64(len(out)), max)
	}
	return out, nil
}

// cardPayload turns a chunk's text into card JSON: base64 of UTF-8 JSON,
// with or without padding, with line breaks or spaces, standard or URL
// alphabet; or, leniently, the JSON itself.
func cardPayload(text []byte, what string, lim Limits) ([]byte, error) {
	trimmed := bytes.TrimSpace(text)
	if bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("\xef\xbb\xbf{")) {
		if int64(len(trimmed)) > lim.MaxCardJSON {
			return nil, tooLarge(what+" card JSON", int64(len(trimmed)), lim.MaxCardJSON)
		}
		return trimmed, nil
	}
	out, err := decodeBase64(text, what+" card JSON", lim.MaxCardJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func decodeBase64(text []byte, what string, max int64) ([]byte, error) {
	clean := make([]byte, 0, len(text))
	for _, c := range text {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
			continue
		}
		clean = append(clean, c)
	}
	clean = bytes.TrimRight(clean, "=")
	if len(clean) == 0 {
		return nil, fmt.Errorf("%s: empty: %w", what, ErrBadBase64)
	}
	if n := int64(len(clean)) / 4 * 3; n > max {
		return nil, tooLarge(what+" decoded", n, max)
	}
	enc := base64.RawStdEncoding
	if bytes.ContainsAny(clean, "-_") {
		enc = base64.RawURLEncoding
	}
	out := make([]byte, enc.DecodedLen(len(clean)))
	n, err := enc.Decode(out, clean)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("%s: invalid base64 at character %d: %w", what, int64(ce), ErrBadBase64)
		}
		return nil, fmt.Errorf("%s: %v: %w", what, err, ErrBadBase64)
	}
	return out[:n], nil
}

// isCardKeyword reports whether a text chunk keyword is chara or ccv3.
func isCardKeyword(k string) bool {
	return strings.EqualFold(k, KeywordV2) || strings.EqualFold(k, KeywordV3)
}

// decodePNG reads the card of a PNG: the ccv3 chunk when there is one (a
// V2 body there is fine), else chara (a V3 body there is fine too). When
// ccv3 is present but unusable and chara works, chara is used with a
// warning.
func decodePNG(b []byte, lim Limits) (*Result, error) {
	chunks, err := readChunks(b, lim)
	if err != nil {
		return nil, err
	}
	var v3, v2 *textChunk
	pngAssets := map[string]textChunk{}
	for _, c := range chunks {
		t, ok := parseText(c)
		if !ok {
			continue
		}
		switch {
		case strings.EqualFold(t.keyword, KeywordV3):
			if v3 == nil {
				v3 = &t
			}
		case strings.EqualFold(t.keyword, KeywordV2):
			if v2 == nil {
				v2 = &t
			}
		case strings.HasPrefix(t.keyword, keywordAsset):
			p := strings.TrimPrefix(t.keyword, keywordAsset)
			if _, dup := pngAssets[p]; !dup {
				pngAssets[p] = t
			}
		}
	}
	if v3 == nil && v2 == nil {
		return nil, fmt.Errorf("PNG has no %q or %q text chunk: %w", KeywordV3, KeywordV2, ErrNoCard)
	}
	res := &Result{Format: FormatPNG}
	var firstErr error
	for _, t := range []*textChunk{v3, v2} {
		if t == nil {
			continue
		}
		err := readCardChunk(*t, lim, res)
		if err == nil {
			if firstErr != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("the %s chunk is unusable (%v); read the %s chunk", KeywordV3, firstErr, KeywordV2))
			}
			break
		}
		if firstErr == nil {
			firstErr = err
		}
		if t == v2 || v2 == nil {
			return nil, firstErr
		}
	}

	// The avatar: the image without the card's chunks.
	kept := chunks[:0:0]
	for _, c := range chunks {
		if t, ok := parseText(c); ok && (isCardKeyword(t.keyword) || strings.HasPrefix(t.keyword, keywordAsset)) {
			continue
		}
		kept = append(kept, c)
	}
	image := writeChunks(kept)
	err = resolveAssets(res, lim, func(uri string) ([]byte, string, error) {
		if p, ok := strings.CutPrefix(uri, "__asset:"); ok {
			t, found := pngAssets[p]
			if !found {
				return nil, "", nil
			}
			text, err := t.content(lim)
			if err != nil {
				return nil, "", err
			}
			data, err := decodeBase64(text, t.what(), lim.MaxChunkSize)
			return data, p, err
		}
		return nil, "", nil
	})
	if err != nil {
		return nil, err
	}
	if res.Avatar == nil { // ccdefault:, no assets, or an icon not in the file
		res.Avatar, res.AvatarExt = image, "png"
	}
	return res, nil
}

func readCardChunk(t textChunk, lim Limits, res *Result) error {
	text, err := t.content(lim)
	if err != nil {
		return err
	}
	js, err := cardPayload(text, t.what(), lim)
	if err != nil {
		return err
	}
	c, p, err := parseJSON(js)
	if err != nil {
		return fmt.Errorf("%s: %w", t.what(), err)
	}
	res.Card, res.CardJSON, res.Chunk = c, js, strings.ToLower(t.keyword)
	res.setParsed(p)
	return nil
}

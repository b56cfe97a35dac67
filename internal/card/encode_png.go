package card

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif"  // avatars given as GIF
	_ "image/jpeg" // avatars given as JPEG
	"image/png"
	"strings"
)

// EncodePNG writes c into a PNG, with DefaultLimits: see Limits.EncodePNG.
func EncodePNG(c *Card, avatar []byte) ([]byte, error) { return Limits{}.EncodePNG(c, avatar) }

// EncodePNG writes c into a PNG carrying two tEXt chunks, as SillyTavern
// does: "chara" with the V2 projection and "ccv3" with the V3 card, both
// base64 of UTF-8 JSON, before IEND. The image is avatar when given: a PNG
// keeps its bytes and chunks, except its old chara/ccv3 chunks, which are
// replaced; a JPEG or GIF is converted to PNG. Without an avatar the image
// is a placeholder drawn from the name (Placeholder).
func (l Limits) EncodePNG(c *Card, avatar []byte) ([]byte, error) {
	lim := l.resolved()
	v2, err := encodeCard(c, V2)
	if err != nil {
		return nil, err
	}
	v3, err := encodeCard(c, V3)
	if err != nil {
		return nil, err
	}
	var img []byte
	switch {
	case len(avatar) == 0:
		img = Placeholder(c.Name)
	case bytes.HasPrefix(avatar, pngSignature):
		img = avatar
	default:
		if img, err = toPNG(avatar, lim); err != nil {
			return nil, err
		}
	}
	chunks, err := readChunks(img, lim)
	if err != nil {
		return nil, fmt.Errorf("encode: avatar: %v: %w", err, ErrBadImage)
	}
	out := make([]chunk, 0, len(chunks)+2)
	for _, ch := range chunks {
		if t, ok := parseText(ch); ok && isCardKeyword(t.keyword) {
			continue
		}
		if ch.typ == "IEND" {
			out = append(out, textChunkOf(KeywordV2, v2), textChunkOf(KeywordV3, v3))
		}
		out = append(out, ch)
	}
	return writeChunks(out), nil
}

func textChunkOf(keyword string, js []byte) chunk {
	data := make([]byte, 0, len(keyword)+1+base64.StdEncoding.EncodedLen(len(js)))
	data = append(data, keyword...)
	data = append(data, 0)
	data = base64.StdEncoding.AppendEncode(data, js)
	return chunk{typ: "tEXt", data: data}
}

// toPNG converts a JPEG or GIF avatar to PNG, checking its dimensions
// before decoding it.
func toPNG(b []byte, lim Limits) ([]byte, error) {
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		what := imageKind(b)
		if what == "" {
			what = "not an image"
		}
		return nil, fmt.Errorf("encode: avatar (%s): %v: %w", what, err, ErrBadImage)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.MaxImagePixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("encode: avatar: %s of %d×%d pixels, the limit is %d pixels: %w", strings.ToUpper(kind), cfg.Width, cfg.Height, lim.MaxImagePixels, ErrBadImage)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("encode: avatar (%s): %v: %w", kind, err, ErrBadImage)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode: avatar: %v: %w", err, ErrBadImage)
	}
	return buf.Bytes(), nil
}

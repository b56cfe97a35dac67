package card

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
)

// PlaceholderSize is the side of the placeholder avatar, in pixels.
const PlaceholderSize = 256

// Placeholder returns a PNG avatar for a character without one: a square
// in a colour derived from the name, with a lighter diagonal band, the
// same for the same name.
func Placeholder(name string) []byte {
	h := fnv.New32a()
	h.Write([]byte(name))
	sum := h.Sum32()
	base := hsv(float64(sum%360), 0.55, 0.75)
	band := hsv(float64(sum%360), 0.35, 0.92)
	img := image.NewPaletted(image.Rect(0, 0, PlaceholderSize, PlaceholderSize), color.Palette{base, band})
	for y := 0; y < PlaceholderSize; y++ {
		for x := 0; x < PlaceholderSize; x++ {
			if d := x + y - PlaceholderSize; d > -PlaceholderSize/6 && d < PlaceholderSize/6 {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image does not fail
	}
	return buf.Bytes()
}

func hsv(h, s, v float64) color.NRGBA {
	c := v * s
	hp := h / 60
	x := c * (1 - abs(mod2(hp)-1))
	var r, g, b float64
	switch {
	case hp < 1:
		r, g = c, x
	case hp < 2:
		r, g = x, c
	case hp < 3:
		g, b = c, x
	case hp < 4:
		g, b = x, c
	case hp < 5:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := v - c
	to := func(f float64) uint8 { return uint8((f+m)*255 + 0.5) }
	return color.NRGBA{R: to(r), G: to(g), B: to(b), A: 255}
}

func mod2(f float64) float64 {
	for f >= 2 {
		f -= 2
	}
	return f
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

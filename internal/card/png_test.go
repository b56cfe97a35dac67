package card

import (
	"bytes"
	"encoding/base64"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestDecodePNGChunks(t *testing.T) {
	base := tinyPNG(t, color.NRGBA{R: 200, A: 255})
	v2 := `{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"From chara"}}`
	v3 := `{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"From ccv3","nickname":"n"}}`
	unpadded := strings.TrimRight(b64(v3), "=")
	wrapped := ""
	for s := b64(v3); len(s) > 0; {
		n := min(10, len(s))
		wrapped += s[:n] + "\r\n "
		s = s[n:]
	}
	tests := []struct {
		name    string
		chunks  []rawChunk
		want    string
		version Version
		chunk   string
		warn    bool
	}{
		{"both chunks: ccv3 wins", []rawChunk{tEXt("chara", b64(v2)), tEXt("ccv3", b64(v3))}, "From ccv3", V3, "ccv3", false},
		{"both chunks, ccv3 first", []rawChunk{tEXt("ccv3", b64(v3)), tEXt("chara", b64(v2))}, "From ccv3", V3, "ccv3", false},
		{"only ccv3", []rawChunk{tEXt("ccv3", b64(v3))}, "From ccv3", V3, "ccv3", false},
		{"only chara", []rawChunk{tEXt("chara", b64(v2))}, "From chara", V2, "chara", false},
		{"V2 body under ccv3", []rawChunk{tEXt("ccv3", b64(v2))}, "From chara", V2, "ccv3", false},
		{"V3 body under chara", []rawChunk{tEXt("chara", b64(v3))}, "From ccv3", V3, "chara", false},
		{"V1 body under chara", []rawChunk{tEXt("chara", b64(`{"name":"Flat"}`))}, "Flat", V1, "chara", false},
		{"keyword case", []rawChunk{tEXt("CCV3", b64(v3)), tEXt("Chara", b64(v2))}, "From ccv3", V3, "ccv3", false},
		{"zTXt ccv3", []rawChunk{tEXt("chara", b64(v2)), zTXt("ccv3", []byte(b64(v3)))}, "From ccv3", V3, "ccv3", false},
		{"iTXt chara", []rawChunk{iTXt("chara", b64(v2))}, "From chara", V2, "chara", false},
		{"base64 without padding", []rawChunk{tEXt("ccv3", unpadded)}, "From ccv3", V3, "ccv3", false},
		{"base64 with line breaks", []rawChunk{tEXt("ccv3", wrapped)}, "From ccv3", V3, "ccv3", false},
		{"URL-safe base64", []rawChunk{tEXt("ccv3", base64.RawURLEncoding.EncodeToString([]byte(`{"spec":"chara_card_v3","data":{"name":"??>>"}}`)))}, "??>>", V3, "ccv3", false},
		{"plain JSON in the chunk", []rawChunk{tEXt("chara", v2)}, "From chara", V2, "chara", false},
		{"bad ccv3, good chara", []rawChunk{tEXt("ccv3", "!!!not base64"), tEXt("chara", b64(v2))}, "From chara", V2, "chara", true},
		{"other text chunks around", []rawChunk{tEXt("Comment", "hello"), tEXt("chara", b64(v2)), {"tEXt", []byte("no separator")}}, "From chara", V2, "chara", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := pngWith(t, base, tt.chunks...)
			res := decodeOK(t, in)
			if res.Format != FormatPNG || res.Card.Name != tt.want || res.Version != tt.version || res.Chunk != tt.chunk {
				t.Errorf("format %s name %q version %s chunk %q; want %q %s %q", res.Format, res.Card.Name, res.Version, res.Chunk, tt.want, tt.version, tt.chunk)
			}
			if (len(res.Warnings) > 0) != tt.warn {
				t.Errorf("warnings %q", res.Warnings)
			}
			if !bytes.Equal(res.Original, in) {
				t.Error("Original is not the input")
			}
			// The avatar is the image without the card chunks.
			kw, _ := textKeywords(t, res.Avatar)
			for _, k := range kw {
				if isCardKeyword(k) {
					t.Errorf("avatar still has a %q chunk", k)
				}
			}
			img, err := png.Decode(bytes.NewReader(res.Avatar))
			if err != nil || img.Bounds().Dx() != 3 || res.AvatarExt != "png" {
				t.Errorf("avatar: %v %v", err, res.AvatarExt)
			}
		})
	}
}

func TestPNGAssetChunks(t *testing.T) {
	v3 := `{"spec":"chara_card_v3","data":{"name":"A","assets":[
		{"type":"icon","uri":"ccdefault:","name":"main","ext":"png"},
		{"type":"emotion","uri":"__asset:1","name":"happy","ext":"png"}]}}`
	happy := tinyPNG(t, color.NRGBA{G: 255, A: 255})
	in := pngWith(t, tinyPNG(t, color.Black), tEXt("ccv3", b64(v3)), tEXt("chara-ext-asset_:1", base64.StdEncoding.EncodeToString(happy)))
	res := decodeOK(t, in)
	if len(res.Assets) != 1 || res.Assets[0].Index != 1 || !bytes.Equal(res.Assets[0].Data, happy) || res.Assets[0].Path != "1" {
		t.Fatalf("assets %+v", res.Assets)
	}
	if kw, _ := textKeywords(t, res.Avatar); len(kw) != 0 {
		t.Errorf("avatar keeps text chunks %q", kw)
	}
}

func TestEncodePNG(t *testing.T) {
	c := decodeOK(t, []byte(v3Card)).Card
	old := pngWith(t, tinyPNG(t, color.NRGBA{B: 255, A: 255}),
		tEXt("chara", b64(`{"name":"old"}`)), tEXt("Software", "paint"), tEXt("ccv3", b64(`{"name":"old"}`)), tEXt("CCV3", "x"))
	jpeg := jpegOf(t)
	tests := []struct {
		name   string
		avatar []byte
		w, h   int
		keep   []string
	}{
		{"placeholder", nil, PlaceholderSize, PlaceholderSize, nil},
		{"avatar with old chunks", old, 3, 2, []string{"Software"}},
		{"jpeg avatar", jpeg, 4, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := EncodePNG(c, tt.avatar)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil || img.Bounds().Dx() != tt.w || img.Bounds().Dy() != tt.h {
				t.Fatalf("image: %v %v", err, img.Bounds())
			}
			kw, texts := textKeywords(t, out)
			want := append(append([]string{}, tt.keep...), "chara", "ccv3")
			if strings.Join(kw, ",") != strings.Join(want, ",") {
				t.Errorf("text chunks %q, want %q", kw, want)
			}
			v2, _ := base64.StdEncoding.DecodeString(texts["chara"])
			v3, _ := base64.StdEncoding.DecodeString(texts["ccv3"])
			if !strings.Contains(string(v2), `"spec":"chara_card_v2","spec_version":"2.0"`) || !strings.Contains(string(v3), `"spec":"chara_card_v3","spec_version":"3.0"`) {
				t.Errorf("chunks:\n%s\n%s", v2, v3)
			}
			// Each chunk alone is the same card.
			for _, only := range []string{"chara", "ccv3"} {
				res := decodeOK(t, pngWith(t, tinyPNG(t, color.White), tEXt(only, texts[only])))
				sameCard(t, c, res.Card)
			}
			res := decodeOK(t, out)
			if res.Chunk != "ccv3" {
				t.Errorf("read chunk %q", res.Chunk)
			}
			sameCard(t, c, res.Card)
		})
	}
	if !bytes.Equal(Placeholder("Aria"), Placeholder("Aria")) || bytes.Equal(Placeholder("Aria"), Placeholder("Brann")) {
		t.Error("placeholders are not derived from the name")
	}
}

package card

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image/color"
	"strings"
	"testing"
)

// forgedZip holds one deflated entry whose header declares fewer bytes
// than it inflates to.
func forgedZip(t *testing.T, name string, declared uint64, content []byte) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestHostileFiles(t *testing.T) {
	card := []byte(`{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"X"}}`)
	base := tinyPNG(t, color.White)
	good := pngWith(t, base, tEXt("ccv3", b64(string(card))))
	zeros := make([]byte, 2<<20)
	small := Limits{MaxFileSize: 1 << 20, MaxChunkSize: 4096, MaxCardJSON: 8192, MaxCharxEntrySize: 1 << 20, MaxCharxTotal: 3 << 19, MaxCharxEntries: 8}

	// A PNG whose first chunk after the signature is cut short.
	truncated := good[:len(good)-30]
	badCRC := bytes.Clone(good)
	badCRC[len(pngSignature)+8+5] ^= 0xff // a byte of IHDR's data
	hugeChunk := append(append([]byte(nil), base[:len(base)-12]...), 0x7f, 0xff, 0xff, 0xff, 't', 'E', 'X', 't')
	lyingLen := bytes.Clone(base[:len(base)-12])
	lyingLen = binary.BigEndian.AppendUint32(lyingLen, 3000)
	lyingLen = append(lyingLen, "tEXtchara\x00abc"...)
	noIEND := good[:len(good)-12]
	var bigText strings.Builder
	for bigText.Len() < 5000 {
		bigText.WriteString("QUFBQUFB")
	}
	manyEntries := []zipFile{{"card.json", card}}
	for i := 0; i < 9; i++ {
		manyEntries = append(manyEntries, zipFile{fmt.Sprintf("assets/%d.png", i), nil})
	}

	tests := []struct {
		name string
		in   []byte
		lim  Limits
		want error
		msg  string
	}{
		{"oversized file", bytes.Repeat([]byte(" "), 2<<20), small, ErrTooLarge, "file"},
		{"oversized by default", append(card, bytes.Repeat([]byte(" "), 21<<20)...), Limits{}, ErrTooLarge, "limit is 20971520"},
		{"huge chunk", hugeChunk, small, ErrTooLarge, "PNG chunk tEXt"},
		{"chunk over the chunk limit", pngWith(t, base, tEXt("ccv3", bigText.String())), small, ErrTooLarge, "PNG chunk tEXt"},
		{"card JSON over its limit", pngWith(t, base, tEXt("ccv3", b64(`{"name":"`+strings.Repeat("a", 9000)+`"}`))), Limits{MaxCardJSON: 8192}, ErrTooLarge, "card JSON"},
		{"zTXt bomb", pngWith(t, base, zTXt("ccv3", zeros)), small, ErrTooLarge, "inflated"},
		{"truncated PNG", truncated, Limits{}, ErrCorruptPNG, "truncated"},
		{"chunk length beyond the file", lyingLen, Limits{}, ErrCorruptPNG, "declares 3000 bytes"},
		{"bad CRC", badCRC, Limits{}, ErrCorruptPNG, "bad CRC"},
		{"no IEND", noIEND, Limits{}, ErrCorruptPNG, "IEND"},
		{"PNG without a card", base, Limits{}, ErrNoCard, `"ccv3" or "chara"`},
		{"bad base64", pngWith(t, base, tEXt("chara", "eyJuYW1l*IjoiWCJ9")), Limits{}, ErrBadBase64, "character 8"},
		{"empty chunk", pngWith(t, base, tEXt("ccv3", "")), Limits{}, ErrBadBase64, "empty"},
		{"base64 of garbage", pngWith(t, base, tEXt("ccv3", b64("\x00\x01garbage"))), Limits{}, ErrBadJSON, "ccv3"},
		{"base64 of a non-card", pngWith(t, base, tEXt("ccv3", b64(`{"spec":"lorebook_v3","data":{}}`))), Limits{}, ErrUnknownSpec, "lorebook_v3"},
		{"zip bomb (declared size)", charxFile(t, zipFile{"card.json", card}, zipFile{"assets/x.bin", zeros}), small, ErrTooLarge, "declared size"},
		{"zip bomb (declared total)", charxFile(t, zipFile{"card.json", card}, zipFile{"a", zeros[:1<<20]}, zipFile{"b", zeros[:1<<20]}), small, ErrTooLarge, "CHARX total"},
		{"zip bomb (size lies)", forgedZip(t, "card.json", 100, append(card, zeros...)), small, ErrCorruptZip, `entry "card.json" inflates to more than its declared size`},
		{"too many entries", charxFile(t, manyEntries...), small, ErrTooManyEntries, "10 entries"},
		{"path traversal", charxFile(t, zipFile{"card.json", card}, zipFile{"../evil.sh", nil}), Limits{}, ErrUnsafePath, `".."`},
		{"nested traversal", charxFile(t, zipFile{"card.json", card}, zipFile{`assets\..\..\evil`, nil}), Limits{}, ErrUnsafePath, `".."`},
		{"absolute path", charxFile(t, zipFile{"card.json", card}, zipFile{"/etc/passwd", nil}), Limits{}, ErrUnsafePath, "absolute"},
		{"drive path", charxFile(t, zipFile{"card.json", card}, zipFile{`C:\Windows\x`, nil}), Limits{}, ErrUnsafePath, "drive"},
		{"CHARX without card.json", charxFile(t, zipFile{"cards/card.json", card}), Limits{}, ErrNoCard, "card.json"},
		{"duplicate card.json", charxFile(t, zipFile{"card.json", card}, zipFile{"card.json", []byte(`{"name":"Y"}`)}), Limits{}, ErrCorruptZip, "twice"},
		{"corrupt zip", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 100)...), Limits{}, ErrCorruptZip, "zip"},
		{"card.json not a card", charxFile(t, zipFile{"card.json", []byte(`[1,2]`)}), Limits{}, ErrNotACard, "an array"},
		{"bad JSON", []byte(`{"name": "X",}`), Limits{}, ErrBadJSON, "byte"},
		{"JSON array", []byte(`[{"name":"X"}]`), Limits{}, ErrNotACard, "an array"},
		{"no name", []byte(`{"spec":"chara_card_v2","data":{"description":"nobody"}}`), Limits{}, ErrNotACard, "no name"},
		{"blank name", []byte(`{"name":"  "}`), Limits{}, ErrNotACard, "no name"},
		{"wrong type", []byte(`{"spec":"chara_card_v2","data":{"name":"X","tags":"a,b"}}`), Limits{}, ErrNotACard, "data.tags: want an array, got a string"},
		{"unknown spec", []byte(`{"spec":"chara_card_v9","data":{"name":"X"}}`), Limits{}, ErrUnknownSpec, "chara_card_v9"},
		{"JPEG", jpegOf(t), Limits{}, ErrUnknownFormat, "JPEG"},
		{"random bytes", []byte("hello, world"), Limits{}, ErrUnknownFormat, "not a PNG"},
		{"empty", nil, Limits{}, ErrUnknownFormat, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.lim.Decode(tt.in)
			if err == nil {
				t.Fatalf("accepted: %+v", res.Card)
			}
			if res != nil {
				t.Error("a result came back with the error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "card: ") {
				t.Errorf("message %q does not name %q", err, tt.msg)
			}
		})
	}
}

// Besides the declared sizes (and archive/zip's own check that an entry
// inflates to no more than it declares), the bytes inflated are counted
// against the limit while reading.
func TestReadLimitedCounts(t *testing.T) {
	_, err := readLimited(bytes.NewReader(make([]byte, 2000)), 1000, "CHARX entry \"x\"")
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != 1000 || le.Size != 1001 || !strings.Contains(err.Error(), `CHARX entry "x"`) {
		t.Errorf("err %v", err)
	}
	if b, err := readLimited(bytes.NewReader(make([]byte, 1000)), 1000, "x"); err != nil || len(b) != 1000 {
		t.Errorf("at the limit: %v", err)
	}
}

func TestDecodeReaderLimit(t *testing.T) {
	_, err := Limits{MaxFileSize: 10}.DecodeReader(strings.NewReader(`{"name":"Xxxxxxxxxxxxxxxx"}`))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err %v", err)
	}
	res, err := DecodeReader(strings.NewReader(`{"name":"X"}`))
	if err != nil || res.Card.Name != "X" {
		t.Errorf("%v %v", res, err)
	}
}

func TestEncodeRefuses(t *testing.T) {
	if _, err := EncodeJSON(&Card{}); !errors.Is(err, ErrNotACard) {
		t.Errorf("nameless card: %v", err)
	}
	c := &Card{Name: "X"}
	bad := &Card{Name: "X", CharacterBook: &Book{Entries: []Entry{{Extensions: Raw{"x": json.RawMessage("{oops")}}}}}
	if _, err := EncodeJSON(bad); err == nil || !strings.Contains(err.Error(), `data: character_book: entries[0]: extensions: member "x" is not valid JSON`) {
		t.Errorf("invalid raw member: %v", err)
	}
	if _, err := EncodePNG(c, []byte("not an image")); !errors.Is(err, ErrBadImage) {
		t.Errorf("bad avatar: %v", err)
	}
	if _, err := EncodePNG(c, tinyPNG(t, color.White)[:40]); !errors.Is(err, ErrBadImage) {
		t.Errorf("truncated avatar: %v", err)
	}
	if _, err := (Limits{MaxImagePixels: 10}).EncodePNG(c, jpegOf(t)); !errors.Is(err, ErrBadImage) {
		t.Errorf("too many pixels: %v", err)
	}
}

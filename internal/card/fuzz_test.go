package card

import (
	"image/color"
	"testing"
)

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// exports as V3 JSON and as PNG that decode again to an equal card.
func FuzzDecode(f *testing.F) {
	base := tinyPNG(f, color.White)
	for _, js := range []string{v1Card, v2Card, v3Card} {
		f.Add([]byte(js))
		f.Add(pngWith(f, base, tEXt("ccv3", b64(js))))
		f.Add(pngWith(f, base, tEXt("chara", b64(js)), zTXt("ccv3", []byte(b64(js)))))
		f.Add(charxFile(f, zipFile{"card.json", []byte(js)}, zipFile{"assets/icon/images/main.png", base}))
	}
	f.Add([]byte(`{"name":"X","extensions":{"a":[1,{"b":null}]},"selectiveLogic":1}`))
	f.Add([]byte(`{"spec":"chara_card_v2","data":{"name":"X","character_book":{"entries":[{"keys":["k"],"id":"1e2","position":"x","selectiveLogic":2}]}}}`))
	f.Add(charxFile(f, zipFile{"card.json", []byte(`{"name":"X"}`)}, zipFile{"../x", nil}))
	f.Add([]byte(`{"name":"X","data":{"a":1},"spec_version":2,"char_name":"Y"}`))
	f.Add([]byte(`{"spec":"chara_card_v3","name":"X","data":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxFileSize: 1 << 20, MaxChunkSize: 1 << 20, MaxCardJSON: 1 << 20, MaxCharxEntrySize: 1 << 20, MaxCharxTotal: 4 << 20}
		res, err := lim.Decode(data)
		if err != nil {
			if res != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		js, err := EncodeJSON(res.Card)
		if err != nil {
			t.Fatalf("EncodeJSON of an accepted card: %v", err)
		}
		again, err := Decode(js)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, js)
		}
		sameCard(t, res.Card, again.Card)
		p, err := EncodePNG(res.Card, nil)
		if err != nil {
			t.Fatalf("EncodePNG: %v", err)
		}
		fromPNG, err := Decode(p)
		if err != nil {
			t.Fatalf("re-decode PNG: %v", err)
		}
		sameCard(t, res.Card, fromPNG.Card)
	})
}

package card

import (
	"image/color"
	"reflect"
	"strings"
	"testing"
)

// Import → export → re-import gives equal cards, extensions and unknown
// members included, from every version in every container; and what was
// imported is contained, as JSON values, in what is exported.
func TestRoundTrip(t *testing.T) {
	icon := tinyPNG(t, color.NRGBA{R: 7, A: 255})
	containers := map[string]func(t *testing.T, js string) []byte{
		"json": func(t *testing.T, js string) []byte { return []byte(js) },
		"png": func(t *testing.T, js string) []byte {
			return pngWith(t, tinyPNG(t, color.White), tEXt("ccv3", b64(js)))
		},
		"charx": func(t *testing.T, js string) []byte {
			return charxFile(t, zipFile{"card.json", []byte(js)}, zipFile{"assets/icon/images/main.png", icon})
		},
	}
	for _, card := range []struct {
		name string
		js   string
	}{{"v1", v1Card}, {"v2", v2Card}, {"v3", v3Card}} {
		for cname, wrap := range containers {
			t.Run(card.name+"/"+cname, func(t *testing.T) {
				first := decodeOK(t, wrap(t, card.js))

				js, err := EncodeJSON(first.Card)
				if err != nil {
					t.Fatal(err)
				}
				fromJSON := decodeOK(t, js)
				sameCard(t, first.Card, fromJSON.Card)

				p, err := EncodePNG(first.Card, first.Avatar)
				if err != nil {
					t.Fatal(err)
				}
				fromPNG := decodeOK(t, p)
				sameCard(t, first.Card, fromPNG.Card)

				// Nothing of the input is lost: every member, at every level,
				// is in the export with an equal value. V1 members move into
				// data, so V1 is compared field by field in TestV1ExportsAsV3.
				if card.name == "v1" {
					return
				}
				orig := jsonValue(t, []byte(card.js)).(map[string]any)
				exp := js
				if card.name == "v2" {
					exp, _ = EncodeV2JSON(first.Card)
				}
				got := jsonValue(t, exp).(map[string]any)
				delete(orig, "description") // the top-level mirror, rewritten from data
				for _, bad := range subsetOf(orig, got, "") {
					t.Error(bad)
				}
			})
		}
	}
}

// Extensions survive as equal JSON values, key by key.
func TestExtensionsSurvive(t *testing.T) {
	first := decodeOK(t, []byte(v2Card)).Card
	out, _ := EncodeJSON(first)
	orig := jsonValue(t, []byte(v2Card)).(map[string]any)["data"].(map[string]any)
	got := jsonValue(t, out).(map[string]any)["data"].(map[string]any)
	if !reflect.DeepEqual(orig["extensions"], got["extensions"]) {
		t.Errorf("extensions\n%v\nbecame\n%v", orig["extensions"], got["extensions"])
	}
	ob := orig["character_book"].(map[string]any)
	gb := got["character_book"].(map[string]any)
	if !reflect.DeepEqual(ob["extensions"], gb["extensions"]) {
		t.Error("book extensions differ")
	}
	for i := range ob["entries"].([]any) {
		oe := ob["entries"].([]any)[i].(map[string]any)
		ge := gb["entries"].([]any)[i].(map[string]any)
		if !reflect.DeepEqual(oe["extensions"], ge["extensions"]) {
			t.Errorf("entry %d extensions %v became %v", i, oe["extensions"], ge["extensions"])
		}
	}
	// HTML-significant characters are not escaped.
	if !strings.Contains(string(out), `"\u00e9<&>"`) {
		t.Errorf("raw string not written back as it was:\n%s", out)
	}
}

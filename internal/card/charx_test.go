package card

import (
	"bytes"
	"image/color"
	"strings"
	"testing"
)

func TestDecodeCHARX(t *testing.T) {
	icon := tinyPNG(t, color.NRGBA{R: 1, G: 2, B: 3, A: 255})
	fog := tinyPNG(t, color.NRGBA{R: 9, G: 9, B: 9, A: 255})
	in := charxFile(t,
		zipFile{"card.json", []byte(v3Card)},
		zipFile{"assets/icon/images/main.png", icon},
		zipFile{"assets/background/images/fog.png", fog},
		zipFile{"module.risum", []byte("not ours")},
		zipFile{"x_meta/1.json", []byte(`{}`)},
	)
	res := decodeOK(t, in)
	if res.Format != FormatCHARX || res.Version != V3 || res.Card.Name != "Ceridwen Vale" || string(res.CardJSON) != v3Card {
		t.Fatalf("%s %s %q", res.Format, res.Version, res.Card.Name)
	}
	if !bytes.Equal(res.Avatar, icon) || res.AvatarExt != "png" {
		t.Error("the avatar is not the main icon")
	}
	got := map[int]string{}
	for _, a := range res.Assets {
		got[a.Index] = a.Path
		switch a.Index {
		case 0:
			if !bytes.Equal(a.Data, icon) {
				t.Error("icon bytes")
			}
		case 1:
			if !bytes.Equal(a.Data, fog) {
				t.Error("background bytes (embedded:// spelling)")
			}
		case 3:
			if string(a.Data) != "hello" {
				t.Error("data: URI")
			}
		}
	}
	want := map[int]string{0: "assets/icon/images/main.png", 1: "assets/background/images/fog.png", 3: ""}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[3] != "" {
		t.Errorf("assets %v, want %v", got, want)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestCHARXMissingAssetWarns(t *testing.T) {
	res := decodeOK(t, charxFile(t, zipFile{"card.json", []byte(v3Card)}))
	if res.Avatar != nil || len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], "embeded://assets/icon/images/main.png") {
		t.Errorf("avatar %v warnings %q", res.Avatar != nil, res.Warnings)
	}
}

func TestCHARXWithStub(t *testing.T) {
	in := append([]byte("#!/bin/sh\nexit 0\n"), charxFile(t, zipFile{"card.json", []byte(v2Card)})...)
	if Detect(in) != FormatCHARX {
		t.Fatalf("Detect = %q", Detect(in))
	}
	if res := decodeOK(t, in); res.Card.Name != "Brann" {
		t.Error(res.Card.Name)
	}
}

package mcpserver

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"testing"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/secret"
	"github.com/mojin/charsim/internal/store"
)

// TestAvatars serves a card's own image, a placeholder for a character
// without one, and nothing else, without the bearer token the MCP endpoint
// requires (Discord fetches avatar_url anonymously).
func TestAvatars(t *testing.T) {
	cfg := testConfig(t)
	cfg.AuthToken = secret.Value("avatar-test-token")
	ts, _ := startServer(t, cfg)
	ctx := t.Context()

	red := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for y := range 4 {
		for x := range 4 {
			red.Set(x, y, color.NRGBA{R: 255, A: 255})
		}
	}
	var icon bytes.Buffer
	if err := png.Encode(&icon, red); err != nil {
		t.Fatal(err)
	}
	file, err := card.EncodePNG(&card.Card{Name: "Aria", Description: "a secret backstory", FirstMes: "Hello."}, icon.Bytes())
	if err != nil {
		t.Fatalf("build the card PNG: %v", err)
	}
	res, err := card.Decode(file)
	if err != nil {
		t.Fatalf("the test's card does not decode: %v", err)
	}
	aria, err := ts.store.ImportCharacterCard(ctx, store.CardImport{
		Character: characterFromCard(res.Card),
		Card:      store.CharacterCard{Format: string(res.Format), SpecVersion: res.Version.String(), Original: res.Original, Avatar: res.Avatar},
	})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	plain, err := ts.store.CreateCharacter(ctx, store.Character{Name: "Borin"})
	if err != nil {
		t.Fatal(err)
	}

	get := func(t *testing.T, path string, header http.Header) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	t.Run("the card's image, without the card", func(t *testing.T) {
		resp, body := get(t, "/avatars/"+aria.Character.ID+".png", nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=3600" {
			t.Errorf("Cache-Control %q", cc)
		}
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		if r, g, b, _ := img.At(1, 1).RGBA(); img.Bounds().Dx() != 4 || r>>8 != 255 || g != 0 || b != 0 {
			t.Errorf("image %v, pixel %v: want the card's 4×4 red icon", img.Bounds(), img.At(1, 1))
		}
		for _, leak := range []string{"tEXt", "chara", "ccv3"} {
			if bytes.Contains(body, []byte(leak)) {
				t.Errorf("the avatar carries %q: the card must not be served publicly", leak)
			}
		}
		// An unchanged avatar is not sent again.
		again, body := get(t, "/avatars/"+aria.Character.ID+".png", http.Header{"If-None-Match": {resp.Header.Get("ETag")}})
		if resp.Header.Get("ETag") == "" || again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("revalidation: ETag %q, status %d, %d bytes", resp.Header.Get("ETag"), again.StatusCode, len(body))
		}
	})

	t.Run("a placeholder for a character without a card", func(t *testing.T) {
		resp, body := get(t, "/avatars/"+plain.ID+".png", nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, card.Placeholder("Borin")) {
			t.Errorf("status %d, %d bytes: want Borin's placeholder", resp.StatusCode, len(body))
		}
	})

	t.Run("unknown and malformed IDs", func(t *testing.T) {
		for _, path := range []string{
			"/avatars/0190f0e0-0000-7000-8000-000000000000.png", // well-formed, unknown
			"/avatars/" + plain.ID + ".jpg",
			"/avatars/" + plain.ID,
			"/avatars/.png",
			"/avatars/Borin%27%20OR%201=1.png",
		} {
			if resp, _ := get(t, path, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
			}
		}
	})

	t.Run("the MCP endpoint still needs the token", func(t *testing.T) {
		if resp, _ := get(t, "/mcp", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /mcp without the token: %d, want 401", resp.StatusCode)
		}
	})
}

package mcpserver

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// cardPNG is a real 2×2 PNG with a tEXt chunk keyword=text before IEND,
// as SillyTavern writes a card.
func cardPNG(t *testing.T, keyword, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	base := buf.Bytes()
	iend := len(base) - 12
	data := append([]byte(keyword+"\x00"), text...)
	out := append([]byte{}, base[:iend]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	chunk := append([]byte("tEXt"), data...)
	out = append(out, chunk...)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
	return append(out, base[iend:]...)
}

// consoleClient is a browser on the server's console: a cookie jar, no
// redirects followed, and the session's CSRF token from the last page.
type consoleClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

var csrfToken = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func (c *consoleClient) do(req *http.Request) (int, string, http.Header) {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfToken.FindStringSubmatch(string(body)); m != nil {
		c.csrf = m[1]
	}
	return res.StatusCode, string(body), res.Header
}

func (c *consoleClient) get(path string) (int, string) {
	req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodGet, c.base+path, nil)
	code, body, _ := c.do(req)
	return code, body
}

// upload posts file as the card upload form does; csrf false leaves the
// token out.
func (c *consoleClient) upload(name string, file []byte, csrf bool) (int, string, http.Header) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if csrf {
		_ = w.WriteField("csrf", c.csrf)
	}
	part, _ := w.CreateFormFile("card", name)
	_, _ = part.Write(file)
	_ = w.Close()
	req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.base+"characters/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// The Characters page uploads a card through import_character_card's path:
// a PNG card becomes a character with its greetings and lore and the
// browser goes to it; a hostile file is refused with its problem, escaped,
// and stores nothing; a post without the CSRF token is refused.
func TestConsoleCardUpload(t *testing.T) {
	env := newConsoleEnv(t) // loopback, so the console needs no token
	srv, ts := env.srv, env.http
	jar, _ := cookiejar.New(nil)
	c := &consoleClient{t: t, base: ts.URL + "/console/", http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	code, page := c.get("characters")
	if code != http.StatusOK || !strings.Contains(page, `action="/console/characters/import" enctype="multipart/form-data"`) {
		t.Fatalf("characters page: %d, without the upload form:\n%s", code, page)
	}
	characters := func() []store.Character {
		chars, err := srv.store.ListCharacters(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return chars
	}

	// Without the CSRF token: refused, nothing stored.
	good := cardPNG(t, "chara", base64.StdEncoding.EncodeToString([]byte(v2CardJSON)))
	if code, _, _ := c.upload("seraphina.png", good, false); code != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: %d, want 403", code)
	}
	if n := len(characters()); n != 0 {
		t.Fatalf("%d characters after a refused upload", n)
	}

	// Hostile files: the problem shown, escaped; nothing stored.
	for _, tc := range []struct{ name, problem string }{
		{"<b>bad</b>.png", "bad base64"},
		{"settings.json", "not a character card"},
	} {
		file := cardPNG(t, "chara", "not*base64!")
		if strings.HasSuffix(tc.name, ".json") {
			file = []byte(`{"theme": "dark"}`)
		}
		code, body, _ := c.upload(tc.name, file, true)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.problem) || !strings.Contains(body, "nothing was imported") {
			t.Errorf("upload of %s: %d, want 422 with %q:\n%s", tc.name, code, tc.problem, body)
		}
		if strings.Contains(body, "<b>bad</b>") {
			t.Errorf("the file name reached the page unescaped")
		}
	}
	if n := len(characters()); n != 0 {
		t.Fatalf("%d characters after hostile uploads", n)
	}

	// A PNG card: the character, with greetings and lore; to its page.
	code, _, header := c.upload("seraphina.png", good, true)
	chars := characters()
	if code != http.StatusSeeOther || len(chars) != 1 {
		t.Fatalf("upload of a PNG card: %d, %d characters", code, len(chars))
	}
	ch := chars[0]
	if ch.Name != "Seraphina" || header.Get("Location") != "/console/characters/"+ch.ID {
		t.Errorf("imported %q, redirected to %q", ch.Name, header.Get("Location"))
	}
	books, err := srv.store.ListLoreBooks(t.Context(), store.LoreBookFilter{Scope: store.LoreScopeCharacter, OwnerID: ch.ID})
	if err != nil || len(books) != 1 {
		t.Fatalf("lore books %v, %v", books, err)
	}
	if entries, _ := srv.store.ListLoreEntries(t.Context(), books[0].ID); len(entries) != 2 {
		t.Errorf("%d lore entries, want 2", len(entries))
	}
	if _, err := srv.store.GetCharacterCard(t.Context(), ch.ID); err != nil {
		t.Errorf("the original card was not kept: %v", err)
	}
	if code, page := c.get("characters/" + ch.ID); code != http.StatusOK || !strings.Contains(page, "3 greetings, 2 lore entries") {
		t.Errorf("the character's page: %d, without the import's summary", code)
	}
}

package bot

import (
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/card"
)

// seraphinaCard has three greetings and a lorebook of two entries.
const seraphinaCard = `{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Seraphina","description":"A guardian of the glade.",
	"personality":"gentle","scenario":"","first_mes":"You're awake.","mes_example":"",
	"alternate_greetings":["Rest now.","The glade is quiet today."],
	"character_book":{"entries":[
		{"keys":["glade"],"content":"The glade is hidden by old magic.","enabled":true,"insertion_order":10,"extensions":{}},
		{"keys":["shadow"],"content":"Shadows serve the enemy.","enabled":true,"insertion_order":20,"extensions":{}}]}}}`

func TestCharacterImport(t *testing.T) {
	h := startBot(t, nil, nil)
	res, err := card.Decode([]byte(seraphinaCard))
	if err != nil {
		t.Fatalf("the test's card does not decode: %v", err)
	}
	file, err := card.EncodePNG(res.Card, nil)
	if err != nil {
		t.Fatal(err)
	}

	att := h.discord.Attachment(h.channel, "seraphina.png", "image/png", file)
	text := wantPublic(t, h.slash(t, "character import", map[string]any{"card": att}))
	for _, want := range []string{"imported **Seraphina** from seraphina.png (V3 PNG)", "3 greetings", "2 lore entries"} {
		if !strings.Contains(text, want) {
			t.Errorf("import: %q, want %q", text, want)
		}
	}
	if h.discord.AttachmentDownloads(att.ID) != 1 {
		t.Errorf("%d downloads, want 1", h.discord.AttachmentDownloads(att.ID))
	}
	if p := h.profile(t, "Seraphina"); p.Character.Personality != "gentle" {
		t.Errorf("imported character %+v", p.Character)
	}

	t.Run("an oversized file is refused before it is downloaded", func(t *testing.T) {
		big := h.discord.Attachment(h.channel, "huge.png", "image/png", file)
		big.Size = card.DefaultMaxFileSize + 1 // as Discord reports it
		wantError(t, h.slash(t, "character import", map[string]any{"card": big}), "huge.png is too large: 20.0 MiB, at most 20.0 MiB")
		if n := h.discord.AttachmentDownloads(big.ID); n != 0 {
			t.Errorf("%d downloads of an oversized file", n)
		}
	})

	t.Run("a file that is not a card stores nothing", func(t *testing.T) {
		before, err := h.client.ListCharacters(t.Context())
		fatalIf(t, err)
		junk := h.discord.Attachment(h.channel, "cat.png", "image/png", []byte("\x89PNG\r\n\x1a\nnot really"))
		wantError(t, h.slash(t, "character import", map[string]any{"card": junk}), "cat.png cannot be imported:")
		after, err := h.client.ListCharacters(t.Context())
		fatalIf(t, err)
		if len(after) != len(before) {
			t.Errorf("%d characters after a failed import, want %d", len(after), len(before))
		}
	})

	t.Run("the same card twice", func(t *testing.T) {
		again := h.discord.Attachment(h.channel, "seraphina.png", "image/png", file)
		wantError(t, h.slash(t, "character import", map[string]any{"card": again}), "exists already")
	})

	t.Run("the option must be a file", func(t *testing.T) {
		wantError(t, h.slash(t, "character import", map[string]any{"card": "seraphina.png"}), "`card` must be an attached file.")
		wantError(t, h.slash(t, "character import", nil), "`card` must be an attached file.")
	})
}

// CARD_MAX_FILE_SIZE lowers the bot's limit as it does the server's: a
// file over it is refused before it is downloaded.
func TestCharacterImportLimit(t *testing.T) {
	cfg, err := LoadConfig(nil, func(name string) (string, bool) {
		return map[string]string{"DISCORD_TOKEN": "x", card.MaxFileSizeEnv: "1KiB"}[name], true
	}, nil)
	if err != nil || cfg.CardMaxFileSize != 1024 {
		t.Fatalf("LoadConfig with CARD_MAX_FILE_SIZE=1KiB: %d, %v", cfg.CardMaxFileSize, err)
	}
	if _, err := LoadConfig(nil, func(name string) (string, bool) {
		return map[string]string{"DISCORD_TOKEN": "x", card.MaxFileSizeEnv: "huge"}[name], true
	}, nil); err == nil || !strings.Contains(err.Error(), card.MaxFileSizeEnv) {
		t.Errorf("CARD_MAX_FILE_SIZE=huge: %v, want an error naming the variable", err)
	}

	h := startBot(t, func(c *Config) { c.CardMaxFileSize = int64(len(seraphinaCard)) - 1 }, nil)
	att := h.discord.Attachment(h.channel, "seraphina.json", "application/json", []byte(seraphinaCard))
	wantError(t, h.slash(t, "character import", map[string]any{"card": att}), "seraphina.json is too large")
	if n := h.discord.AttachmentDownloads(att.ID); n != 0 {
		t.Errorf("%d downloads of a file over the limit", n)
	}
}

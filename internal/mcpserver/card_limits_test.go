package mcpserver

import (
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/card"
)

// CARD_MAX_FILE_SIZE sets the limit of the card tools: a file over it is
// refused with the limit named, and a bad value is a configuration error
// naming the variable.
func TestCardMaxFileSize(t *testing.T) {
	env := func(value string) func(string) (string, bool) {
		return func(name string) (string, bool) {
			if name == card.MaxFileSizeEnv {
				return value, true
			}
			return "", false
		}
	}
	if _, err := LoadConfig(nil, env("twenty"), io.Discard); err == nil || !strings.Contains(err.Error(), "CARD_MAX_FILE_SIZE") {
		t.Errorf("LoadConfig with CARD_MAX_FILE_SIZE=twenty: %v, want an error naming the variable", err)
	}
	loaded, err := LoadConfig(nil, env("1KiB"), io.Discard)
	if err != nil || loaded.CardLimits.MaxFileSize != 1024 {
		t.Fatalf("LoadConfig with 1KiB: %+v, %v", loaded.CardLimits, err)
	}
	if def, _ := LoadConfig(nil, env(""), io.Discard); def.CardLimits.MaxFileSize != card.DefaultMaxFileSize {
		t.Errorf("default limit %d, want %d", def.CardLimits.MaxFileSize, card.DefaultMaxFileSize)
	}

	cfg := testConfig(t)
	cfg.CardLimits = loaded.CardLimits
	ts, stop := startServer(t, cfg)
	defer stop()
	s := ts.session(t)
	if len(v2CardJSON) <= 1024 {
		t.Fatal("the fixture is not over the limit")
	}
	msg := callFails(t, s, "import_character_card", map[string]any{"content": base64.StdEncoding.EncodeToString([]byte(v2CardJSON))})
	if !strings.Contains(msg, "the limit is 1024") {
		t.Errorf("a card over CARD_MAX_FILE_SIZE: %q, want the limit named", msg)
	}
	if got := call[characterList](t, s, "list_characters", map[string]any{}); len(got.Characters) != 0 {
		t.Errorf("characters after the refused import: %+v", got.Characters)
	}
}

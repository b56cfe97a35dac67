package bot

import (
	"strings"
	"testing"
)

func TestPersona(t *testing.T) {
	h := startBot(t, nil, nil)
	h.importCard(t, ariaCard)

	wantError(t, h.slash(t, "persona set", map[string]any{"name": "  "}), "`name` must not be empty.")
	if text := wantEphemeral(t, h.slash(t, "persona show", nil)); !strings.Contains(text, "You have no persona: the characters call you Sam.") {
		t.Errorf("show without a persona: %q", text)
	}
	text := wantEphemeral(t, h.slash(t, "persona set", map[string]any{"name": "Wren", "description": "A courier with a limp."}))
	if !strings.Contains(text, "now know you as **Wren**") {
		t.Errorf("set: %q", text)
	}
	if text := wantEphemeral(t, h.slash(t, "persona show", nil)); !strings.Contains(text, "You are **Wren**.\nA courier with a limp.") {
		t.Errorf("show: %q", text)
	}

	// {{user}} in the greeting and the prompt is the persona's name, and
	// the description reaches the model.
	if text := wantPublic(t, h.slash(t, "character use", map[string]any{"name": "Aria"})); !strings.Contains(text, "**Aria:** Hello Wren, I am Aria.") {
		t.Errorf("greeting with a persona: %q", text)
	}
	wantPublic(t, h.slash(t, "talk", map[string]any{"message": "hi"}))
	if system := h.llm.lastRequest(t).Messages[0].Content; !strings.Contains(system, "Wren") || !strings.Contains(system, "A courier with a limp.") {
		t.Errorf("system prompt without the persona:\n%s", system)
	}

	if text := wantEphemeral(t, h.slash(t, "persona clear", nil)); !strings.Contains(text, "call you Sam again") {
		t.Errorf("clear: %q", text)
	}
	if text := wantPublic(t, h.slash(t, "character use", map[string]any{"name": "Aria"})); !strings.Contains(text, "Hello Sam, I am Aria.") {
		t.Errorf("greeting after clearing the persona: %q", text)
	}
}

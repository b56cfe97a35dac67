package bot

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
)

// TestErrorStaysEphemeralWhenTheDeleteFails: an error after a deferred
// public response is shown only to the caller even when Discord fails to
// delete the "thinking…" message. (A follow-up right after a deferral
// replaces the loading message, public, whatever its own flags.)
func TestErrorStaysEphemeralWhenTheDeleteFails(t *testing.T) {
	h := startBot(t, nil, nil)
	h.discord.FailNext("DELETE", "/messages/@original", 1, discordfake.FaultServerError)
	const detail = "There are no characters yet"
	st := h.interactUntil(t, discordfake.SlashCommand(h.where(), "talk", map[string]any{"message": "hello?"}),
		func(st discordfake.InteractionState) bool { return strings.Contains(st.Text(), detail) })
	if st.Callbacks[0] != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("callback %v, want a deferred public response", st.Callbacks[0])
	}
	for _, m := range st.Visible() {
		if !m.Ephemeral && strings.Contains(m.Content, detail) {
			t.Errorf("the error %q is public", m.Content)
		}
	}
	if text := wantEphemeral(t, discordfake.InteractionState{Followups: st.Followups}); !strings.Contains(text, detail) {
		t.Errorf("follow-ups %q, want the error shown to the caller", text)
	}
	if !strings.Contains(h.logs.String(), "delete the deferred response") {
		t.Error("the failed delete was not logged")
	}
}

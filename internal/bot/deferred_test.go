package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/bot/discordfake"
	"github.com/mojin/charsim/internal/secret"
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

// TestInteractionTokenNotLogged: a Discord call that fails at the network
// level is logged with its URL, whose interaction token (valid 15 minutes
// for editing the response) is redacted.
func TestInteractionTokenNotLogged(t *testing.T) {
	h := startBot(t, nil, nil)
	h.discord.FailNext("PATCH", "/webhooks/", 1, discordfake.FaultDrop)
	id, err := h.discord.Interact(discordfake.SlashCommand(h.where(), "status", nil))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the failed edit to be logged", func() bool {
		return strings.Contains(h.logs.String(), "edit the deferred response")
	})
	logs := h.logs.String()
	if token := h.discord.Interaction(id).Token; strings.Contains(logs, token) {
		t.Errorf("the interaction token %s appears in the logs:\n%s", token, logs)
	}
	if want := "webhooks/" + h.discord.AppID + "/" + secret.Redacted; !strings.Contains(logs, want) {
		t.Errorf("logs lack the redacted URL %s:\n%s", want, logs)
	}
}

func TestRedactInteractionTokens(t *testing.T) {
	for in, want := range map[string]string{
		`Patch "https://discord.com/api/v9/webhooks/123/aW50ZXJhY3Rpb24.a-b_c/messages/@original": EOF`: `Patch "https://discord.com/api/v9/webhooks/123/[REDACTED]/messages/@original": EOF`,
		`Post "https://discord.com/api/v9/interactions/456/tok.en/callback": EOF`:                       `Post "https://discord.com/api/v9/interactions/456/[REDACTED]/callback": EOF`,
		`Post "https://discord.com/api/v9/webhooks/123/tok?wait=true": EOF`:                             `Post "https://discord.com/api/v9/webhooks/123/[REDACTED]?wait=true": EOF`,
		`GET /api/v9/channels/789/messages`:                                                             `GET /api/v9/channels/789/messages`,
	} {
		if got := redactTokens(in); got != want {
			t.Errorf("redactTokens(%q) = %q, want %q", in, got, want)
		}
	}
}

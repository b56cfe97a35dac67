package bot

import (
	"strings"
	"testing"
	"time"
)

// TestDiscordRateLimitsHonoured: Discord answers a spent rate limit with
// 429, its X-RateLimit-* headers, Retry-After and retry_after in the body,
// and refuses again (counting an invalid request against the bot) every
// request that comes before the limit resets. The bot retries after the
// wait, on a route's limit (the edit of a deferred answer) as on the global
// one (a mention reply), and the answer arrives.
func TestDiscordRateLimitsHonoured(t *testing.T) {
	h := startBot(t, nil, nil)
	h.slash(t, "character create", map[string]any{"name": "Aria"})
	h.llm.setAnswer(func(chatRequest) (string, time.Duration) { return "Rate limits are fine.", 0 })

	h.discord.RateLimitNext("PATCH", "/messages/@original", 1, 700*time.Millisecond, false)
	if text := wantPublic(t, h.slash(t, "talk", map[string]any{"message": "hello"})); !strings.Contains(text, "Rate limits are fine.") {
		t.Errorf("answer %q after a 429 on the edit", text)
	}

	h.discord.RateLimitNext("POST", "/channels/"+h.channel+"/messages", 1, 700*time.Millisecond, true)
	if err := h.discord.SendMessage(h.discord.UserMessage(h.where(), "hi there", true)); err != nil {
		t.Fatal(err)
	}
	if got := waitMessages(t, h, h.channel, 1); !strings.Contains(got[0].Content, "Rate limits are fine.") {
		t.Errorf("reply %q after a global 429", got[0].Content)
	}
	if n := h.discord.RateLimited(); n != 2 {
		t.Errorf("%d requests rate limited, want 2", n)
	}
	if n := h.discord.RateLimitViolations(); n != 0 {
		t.Errorf("%d requests came while a rate limit was in force, want none", n)
	}
}

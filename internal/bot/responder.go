package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// prompt is what a responder needs to write a character's next line.
type prompt struct {
	Context  roleplayContext
	UserID   string
	UserName string
	Message  string
}

// responder writes the character's reply to a user's message.
type responder interface {
	respond(ctx context.Context, p prompt) (string, error)
	// offline reports whether replies are assembled without a language model.
	offline() bool
}

// replyWordBudget keeps replies near one Discord message.
const replyWordBudget = 250

// llmResponder asks the chat endpoint, with the server's system prompt.
type llmResponder struct{ chat *chatClient }

func (r llmResponder) offline() bool { return false }

func (r llmResponder) respond(ctx context.Context, p prompt) (string, error) {
	name := p.Context.Character.Name
	// The server's prompt names users by ID in the conversation; tell the
	// model who this one is, and that mentions must not be produced.
	system := p.Context.SystemPrompt + fmt.Sprintf(
		"\nYou are chatting on Discord with %s (user ID %s). Write only %s's next message, without a name prefix, "+
			"in at most about %d words. Never write @-mentions.\n", p.UserName, p.UserID, name, replyWordBudget)
	raw, err := r.chat.complete(ctx, []chatMessage{
		{Role: "system", Content: system},
		{Role: "user", Content: p.Message},
	})
	if err != nil {
		return "", err
	}
	reply := cleanReply(name, raw)
	if reply == "" {
		return "", errors.New("the language model returned an empty reply")
	}
	return reply, nil
}

var thinking = regexp.MustCompile(`(?s)<think>.*?</think>`)

// cleanReply removes what models add around the reply itself: the
// reasoning of "thinking" models and a leading "Name:" prefix.
func cleanReply(name, raw string) string {
	s := strings.TrimSpace(thinking.ReplaceAllString(raw, ""))
	for _, prefix := range []string{"**" + name + ":**", "**" + name + "**:", name + ":"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	return s
}

// offlineLabel heads every offline reply shown on Discord, so nobody
// mistakes it for a language model's writing.
const offlineLabel = "-# offline reply: no language model is configured (LLM_BASE_URL), so this is assembled from the character's persona and memories"

// maxOfflineMemories is how many recalled memories an offline reply quotes.
const maxOfflineMemories = 3

// offlineResponder answers without a language model, from the persona, the
// current state and the memories get_context recalled for the message.
// Its replies are logged like any other; only Discord shows offlineLabel.
type offlineResponder struct{}

func (offlineResponder) offline() bool { return true }

func (offlineResponder) respond(_ context.Context, p prompt) (string, error) {
	rc := p.Context
	c := rc.Character
	var b strings.Builder
	mood := rc.State.Emotion
	if mood == "" {
		mood = "calm"
	}
	fmt.Fprintf(&b, "*%s looks at %s, %s.*", c.Name, p.UserName, mood)
	if c.Personality != "" {
		fmt.Fprintf(&b, " *(%s)*", c.Personality)
	}
	b.WriteString("\n")
	if len(rc.Memories) == 0 {
		fmt.Fprintf(&b, "\"I hear you, %s. Nothing I remember comes to mind about that.\"", p.UserName)
		return b.String(), nil
	}
	fmt.Fprintf(&b, "\"That reminds me of what I know, %s:", p.UserName)
	for _, m := range rc.Memories[:min(len(rc.Memories), maxOfflineMemories)] {
		fmt.Fprintf(&b, "\n- %s", m.Text)
	}
	b.WriteString("\"")
	return b.String(), nil
}

package turn

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Prompt is what a responder needs to write a character's next line.
type Prompt struct {
	Context  Context
	UserID   string
	UserName string
	Message  string
}

// Responder writes the character's reply to a user's message.
type Responder interface {
	Respond(ctx context.Context, p Prompt) (string, error)
	// Offline reports whether replies are assembled without a language model.
	Offline() bool
}

// replyWordBudget keeps replies near one Discord message.
const replyWordBudget = 250

// LLMResponder asks the chat endpoint, with the server's system prompt.
type LLMResponder struct {
	Chat *ChatClient
	// Venue is where the conversation happens ("Discord", "the charsim
	// web console"), as the model is told.
	Venue string
}

// Offline is false: a language model writes the replies.
func (r LLMResponder) Offline() bool { return false }

// Respond asks the model for the character's next message.
func (r LLMResponder) Respond(ctx context.Context, p Prompt) (string, error) {
	name := p.Context.Character.Name
	venue := r.Venue
	if venue == "" {
		venue = "a chat"
	}
	// The server's prompt names users by ID in the conversation; tell the
	// model who this one is, and that mentions must not be produced.
	system := p.Context.SystemPrompt + fmt.Sprintf(
		"\nYou are chatting on %s with %s (user ID %s). Write only %s's next message, without a name prefix, "+
			"in at most about %d words. Never write @-mentions.\n", venue, p.UserName, p.UserID, name, replyWordBudget)
	raw, err := r.Chat.complete(ctx, []chatMessage{
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

// OfflineNotice is what callers show with every offline reply, so nobody
// mistakes it for a language model's writing.
const OfflineNotice = "offline reply: no language model is configured (LLM_BASE_URL), so this is assembled from the character's persona and memories"

// maxOfflineMemories is how many recalled memories an offline reply quotes.
const maxOfflineMemories = 3

// OfflineResponder answers without a language model, from the persona, the
// current state and the memories get_context recalled for the message.
// Its replies are logged like any other; OfflineNotice is only shown.
type OfflineResponder struct{}

// Offline is true: no language model is involved.
func (OfflineResponder) Offline() bool { return true }

// Respond assembles a reply from the context.
func (OfflineResponder) Respond(_ context.Context, p Prompt) (string, error) {
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

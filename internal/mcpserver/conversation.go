package mcpserver

import (
	"context"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

// Message roles.
const (
	roleUser      = "user"
	roleAssistant = "assistant"
)

type logMessageInput struct {
	characterArg
	Channel string `json:"channel" jsonschema:"ID of the channel (scene) where the message was said."`
	Role    string `json:"role" jsonschema:"user: said by a human to the character; assistant: said by the character."`
	Content string `json:"content" jsonschema:"The message text."`
	User    string `json:"user,omitempty" jsonschema:"ID of the user who said it (role user) or was answered (role assistant)."`
}

// recentMessages returns the newest limit messages of a conversation, oldest
// first, from the Redis cache when there is one.
func (s *Server) recentMessages(ctx context.Context, characterID, channelID string, limit int) ([]store.Message, error) {
	return s.cache.Recent(ctx, characterID, channelID, limit, func(ctx context.Context, n int) ([]store.Message, error) {
		return s.store.RecentMessages(ctx, characterID, channelID, n)
	})
}

func (s *Server) registerConversationTools() {
	addTool(s, toolInfo{
		name: "log_message",
		description: "Append a message to a character's conversation in a channel. Use this for every user message " +
			"and every reply of the character, so that get_context can show the recent conversation.",
		rules: []schemaRule{oneOf("role", []string{roleUser, roleAssistant})},
	}, func(ctx context.Context, in logMessageInput) (store.Message, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return store.Message{}, err
		}
		m, err := s.store.LogMessage(ctx, store.Message{
			CharacterID: c.ID, ChannelID: strings.TrimSpace(in.Channel), UserID: strings.TrimSpace(in.User),
			Role: in.Role, Content: in.Content,
		})
		if err != nil {
			return store.Message{}, err
		}
		s.cache.Append(ctx, m)
		return m, nil
	})

	addTool(s, toolInfo{
		name: "get_context",
		description: "Get everything needed to play a character's next turn in one call: persona, current state, " +
			"relationship with the user, the memories most relevant to the user's message, the recent conversation, " +
			"recent story events, and a ready-made system prompt combining them. Use this at the start of every roleplay turn.",
		readOnly: true,
		rules:    contextRules,
	}, s.roleplayContext)
}

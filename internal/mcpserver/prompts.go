package mcpserver

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func (s *Server) registerPrompts() {
	s.mcp.AddPrompt(&mcp.Prompt{
		Name:  "roleplay",
		Title: "Play a character",
		Description: "A system prompt for playing a character's next turn: persona (a card's system prompt, scenario and example dialogue), " +
			"state, relationship with the user, triggered lore, relevant memories, recent conversation, story events and the post-history instructions.",
		Arguments: []*mcp.PromptArgument{
			{Name: "character", Description: "The character's ID or name.", Required: true},
			{Name: "channel", Description: "ID of the channel (scene) of the conversation.", Required: true},
			{Name: "user", Description: "ID of the user the character is talking to."},
			{Name: "user_name", Description: "The user's display name, which {{user}} stands for unless the user has set a persona."},
			{Name: "message", Description: "The user's new message, to recall relevant memories for."},
		},
	}, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args := req.Params.Arguments
		rc, err := s.roleplayContext(ctx, contextRequest{
			characterArg: characterArg{Character: args["character"]},
			Channel:      args["channel"],
			User:         args["user"],
			UserName:     args["user_name"],
			Message:      args["message"],
		})
		if err != nil {
			return nil, s.rpcError(ctx, "roleplay prompt", err)
		}
		return &mcp.GetPromptResult{
			Description: "Roleplay as " + rc.Character.Name,
			Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.TextContent{Text: rc.SystemPrompt}},
			},
		}, nil
	})
}

package bot

import (
	"context"
	"fmt"

	"github.com/mojin/charsim/internal/turn"
)

// A user's persona is who they are in the story: the characters call them
// by its name ({{user}}) and its description goes into the context of
// their turns. It belongs to the Discord user, in every channel.

type persona struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type personaResult struct {
	Persona *persona `json:"persona,omitempty"`
	Cleared bool     `json:"cleared,omitempty"`
}

func (b *Bot) personaSet(ctx context.Context, c *call) (reply, error) {
	out, err := turn.Call[personaResult](ctx, b.mcp, "set_persona", map[string]string{
		"user": c.user.ID, "name": c.str("name"), "description": c.str("description"),
	})
	if err != nil {
		return reply{}, err
	}
	if out.Persona == nil {
		return reply{}, fmt.Errorf("set_persona returned no persona")
	}
	content := fmt.Sprintf("🪪 The characters now know you as **%s**.", out.Persona.Name)
	if out.Persona.Description != "" {
		content += "\n" + out.Persona.Description
	}
	return reply{content: content}, nil
}

func (b *Bot) personaShow(ctx context.Context, c *call) (reply, error) {
	out, err := turn.Call[personaResult](ctx, b.mcp, "get_persona", map[string]string{"user": c.user.ID})
	if err != nil {
		return reply{}, err
	}
	if out.Persona == nil {
		return reply{content: fmt.Sprintf("You have no persona: the characters call you %s. `/persona set` gives you one.", c.userName)}, nil
	}
	content := fmt.Sprintf("🪪 You are **%s**.", out.Persona.Name)
	if out.Persona.Description != "" {
		content += "\n" + out.Persona.Description
	}
	return reply{content: content}, nil
}

func (b *Bot) personaClear(ctx context.Context, c *call) (reply, error) {
	// An empty name clears the persona.
	if _, err := turn.Call[personaResult](ctx, b.mcp, "set_persona", map[string]string{"user": c.user.ID}); err != nil {
		return reply{}, err
	}
	return reply{content: fmt.Sprintf("Your persona is gone: the characters call you %s again.", c.userName)}, nil
}

package mcpserver

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

// A user's persona is who they are in the story. {{user}} stands for its
// name in every prompt and context built for that user's turns, and its
// description goes into that context.

type setPersonaInput struct {
	User        string `json:"user" jsonschema:"ID of the user (a Discord member ID, a console user) whose persona this is."`
	Name        string `json:"name,omitempty" jsonschema:"The persona's name, which {{user}} becomes in prompts. An empty name clears the persona."`
	Description string `json:"description,omitempty" jsonschema:"Who the persona is: looks, background, manner. Goes into the context of this user's turns."`
}

type personaResult struct {
	// Persona is nil when it was cleared.
	Persona *store.Persona `json:"persona,omitempty" jsonschema:"The persona as stored; absent when cleared."`
	Cleared bool           `json:"cleared,omitempty" jsonschema:"True when an empty name cleared the persona."`
}

type getPersonaInput struct {
	User string `json:"user" jsonschema:"ID of the user."`
}

func (s *Server) registerPersonaTools() {
	addTool(s, toolInfo{
		name: "set_persona",
		description: "Set who a user is in the story: a name, which {{user}} becomes in the characters' prompts, and a description, " +
			"which goes into the context of that user's turns. Replaces the user's previous persona. An empty name clears it.",
	}, s.setPersona)

	addTool(s, toolInfo{
		name:        "get_persona",
		description: "Get a user's persona (name and description), if they have set one.",
		readOnly:    true,
	}, func(ctx context.Context, in getPersonaInput) (personaResult, error) {
		user := strings.TrimSpace(in.User)
		if user == "" {
			return personaResult{}, badArgument("user", "is required: give the user's ID")
		}
		p, err := s.persona(ctx, user)
		return personaResult{Persona: p}, err
	})
}

func (s *Server) setPersona(ctx context.Context, in setPersonaInput) (personaResult, error) {
	user := strings.TrimSpace(in.User)
	if user == "" {
		return personaResult{}, badArgument("user", "is required: give the ID of the user whose persona this is")
	}
	if strings.TrimSpace(in.Name) == "" {
		if strings.TrimSpace(in.Description) != "" {
			return personaResult{}, badArgument("name", "is required with a description (an empty name clears the persona)")
		}
		err := s.store.DeletePersona(ctx, user)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return personaResult{}, err
		}
		return personaResult{Cleared: true}, nil
	}
	p, err := s.store.SetPersona(ctx, store.Persona{UserID: user, Name: in.Name, Description: in.Description})
	var fe *store.FieldError
	if errors.As(err, &fe) {
		arg := fe.Field
		if arg == "user_id" {
			arg = "user"
		}
		return personaResult{}, badArgument(arg, "%s", fe.Problem)
	}
	if err != nil {
		return personaResult{}, err
	}
	return personaResult{Persona: &p}, nil
}

// persona is the user's persona, nil when they have none (or no user).
func (s *Server) persona(ctx context.Context, user string) (*store.Persona, error) {
	if user == "" {
		return nil, nil
	}
	p, err := s.store.GetPersona(ctx, user)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &p, nil
}

// userName is what {{user}} stands for: the persona's name, else the
// display name given, else the user ID ("" when nothing is known, which
// leaves {{user}} as written).
func userName(p *store.Persona, displayName, userID string) string {
	if p != nil {
		return p.Name
	}
	return cmp.Or(strings.TrimSpace(displayName), userID)
}

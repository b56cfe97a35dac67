package mcpserver

import (
	"context"
	"errors"
	"strings"

	"github.com/mojin/charsim/internal/macro"
	"github.com/mojin/charsim/internal/store"
)

// characterArg is the argument that addresses a character, by ID or name.
type characterArg struct {
	Character string `json:"character" jsonschema:"The character: its ID or its exact name (list_characters shows both)."`
}

// resolveCharacter finds a character by ID, then by name.
func (s *Server) resolveCharacter(ctx context.Context, ref string) (store.Character, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.Character{}, badArgument("character", "is required: give the character's ID or name")
	}
	if id, ok := s.names.lookup(ref); ok {
		c, err := s.store.GetCharacter(ctx, id)
		switch {
		case err == nil && c.Name == ref:
			return c, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return store.Character{}, err
		}
		s.names.forget(ref) // renamed or deleted since
	}
	c, err := store.CharacterByRef(ctx, s.store, ref)
	if err == nil && c.ID != ref {
		s.names.remember(ref, c.ID) // found by name
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Character{}, badArgument("character", "no character has the ID or name %q; list_characters shows the existing ones", ref)
	}
	return c, err
}

// characterProfile is a character's persona with its current state, and
// for a character imported from a card, the card's greetings.
type characterProfile struct {
	Character store.Character      `json:"character"`
	State     store.CharacterState `json:"state"`
	CharName  string               `json:"char_name" jsonschema:"What {{char}} stands for: the card's nickname, else the character's name."`
	// Greetings are what the character opens a scene with (nil for a
	// character without a card, or a card without greetings).
	Greetings *characterGreetings `json:"greetings,omitempty" jsonschema:"The card's greetings, {{char}} replaced, and {{user}} too when a user was given."`
}

// profile is the character's profile; {{user}} in its greetings stands for
// userName, or stays as written when userName is empty.
func (s *Server) profile(ctx context.Context, c store.Character, userName string) (characterProfile, error) {
	state, err := s.store.GetCharacterState(ctx, c.ID)
	if err != nil {
		return characterProfile{}, err
	}
	cc, err := s.storedCard(ctx, c)
	if err != nil {
		return characterProfile{}, err
	}
	names := macro.Names{Char: charName(c, cc), User: userName}
	return characterProfile{Character: c, State: state, CharName: names.Char, Greetings: greetingsOf(cc, names)}, nil
}

type createCharacterInput struct {
	Name           string   `json:"name" jsonschema:"Unique name of the character, e.g. Aria."`
	Personality    string   `json:"personality,omitempty" jsonschema:"Traits and temperament, e.g. curious, sarcastic, loyal to friends."`
	Background     string   `json:"background,omitempty" jsonschema:"Backstory: where the character comes from and what shaped them."`
	SpeechPatterns string   `json:"speech_patterns,omitempty" jsonschema:"How the character talks: vocabulary, catchphrases, accent, formality."`
	Goals          []string `json:"goals,omitempty" jsonschema:"Long-term goals that drive the character."`
	Style          string   `json:"style,omitempty" jsonschema:"Writing style for replies, e.g. short and playful, archaic prose."`
}

type getCharacterInput struct {
	characterArg
}

type getProfileInput struct {
	characterArg
	User     string `json:"user,omitempty" jsonschema:"ID of a user: {{user}} in the greetings becomes their persona name (else user_name, else the ID)."`
	UserName string `json:"user_name,omitempty" jsonschema:"The user's display name, for {{user}} when the user has no persona."`
}

type updateCharacterInput struct {
	characterArg
	Name           *string   `json:"name,omitempty" jsonschema:"New unique name. Omit to keep the current one."`
	Personality    *string   `json:"personality,omitempty" jsonschema:"New personality. Omit to keep it."`
	Background     *string   `json:"background,omitempty" jsonschema:"New background. Omit to keep it."`
	SpeechPatterns *string   `json:"speech_patterns,omitempty" jsonschema:"New speech patterns. Omit to keep them."`
	Goals          *[]string `json:"goals,omitempty" jsonschema:"The full new list of goals (replaces the old list). Omit to keep it."`
	Style          *string   `json:"style,omitempty" jsonschema:"New writing style. Omit to keep it."`
}

type characterList struct {
	Characters []store.Character `json:"characters"`
}

type deletedCharacter struct {
	DeletedID string `json:"deleted_id"`
	Name      string `json:"name"`
}

func (s *Server) registerCharacterTools() {
	addTool(s, toolInfo{
		name: "create_character",
		description: "Create a new roleplay character with its persona. Use this once per character, " +
			"before anything else refers to it; the name must be unique.",
	}, func(ctx context.Context, in createCharacterInput) (store.Character, error) {
		return s.store.CreateCharacter(ctx, store.Character{
			Name: in.Name, Personality: in.Personality, Background: in.Background,
			SpeechPatterns: in.SpeechPatterns, Goals: in.Goals, Style: in.Style,
		})
	})

	addTool(s, toolInfo{
		name: "get_character",
		description: "Get a character's persona and current state (emotion, energy, location, goals, inventory), " +
			"and for a character imported from a card its greetings (first_mes, alternate_greetings) to open a scene with. " +
			"Use this to look a character up by ID or name.",
		readOnly: true,
	}, func(ctx context.Context, in getProfileInput) (characterProfile, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return characterProfile{}, err
		}
		user := strings.TrimSpace(in.User)
		p, err := s.persona(ctx, user)
		if err != nil {
			return characterProfile{}, err
		}
		return s.profile(ctx, c, userName(p, in.UserName, user))
	})

	addTool(s, toolInfo{
		name:        "list_characters",
		description: "List every character with its ID and persona. Use this to find out which characters exist.",
		readOnly:    true,
	}, func(ctx context.Context, _ struct{}) (characterList, error) {
		cs, err := s.store.ListCharacters(ctx)
		return characterList{Characters: cs}, err
	})

	addTool(s, toolInfo{
		name: "update_character",
		description: "Change parts of a character's persona (name, personality, background, speech patterns, goals, style). " +
			"Only the arguments you pass change. For how the character feels or where it is, use update_character_state.",
	}, func(ctx context.Context, in updateCharacterInput) (store.Character, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return store.Character{}, err
		}
		patch := store.CharacterPatch{
			Name: in.Name, Personality: in.Personality, Background: in.Background,
			SpeechPatterns: in.SpeechPatterns, Goals: in.Goals, Style: in.Style,
		}
		if patch == (store.CharacterPatch{}) {
			return store.Character{}, nothingToChange("name", "personality", "background", "speech_patterns", "goals", "style")
		}
		if patch.Name != nil {
			s.names.forget(c.Name)
		}
		return s.store.UpdateCharacter(ctx, c.ID, patch)
	})

	addTool(s, toolInfo{
		name: "delete_character",
		description: "Delete a character for good, with its memories, state, relationships and messages " +
			"(timeline events stay). Use only when asked to remove the character.",
		destructive: true,
	}, func(ctx context.Context, in getCharacterInput) (deletedCharacter, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return deletedCharacter{}, err
		}
		s.names.forget(c.Name)
		err = s.memory.DeleteCharacter(ctx, c.ID)
		// Even a partial failure may have deleted messages that are cached.
		s.cache.Purge(ctx)
		return deletedCharacter{DeletedID: c.ID, Name: c.Name}, err
	})
}

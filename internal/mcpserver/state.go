package mcpserver

import (
	"context"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

type updateStateInput struct {
	characterArg
	Emotion   *string   `json:"emotion,omitempty" jsonschema:"How the character feels now, e.g. happy, anxious, furious. Omit to keep it."`
	Energy    *int      `json:"energy,omitempty" jsonschema:"Energy from 0 (exhausted) to 100 (full of energy). Omit to keep it."`
	Location  *string   `json:"location,omitempty" jsonschema:"Where the character is now. Omit to keep it."`
	Goals     *[]string `json:"goals,omitempty" jsonschema:"The character's current short-term goals (replaces the list). Omit to keep them."`
	Inventory *[]string `json:"inventory,omitempty" jsonschema:"What the character carries (replaces the list). Omit to keep it."`
}

type updateRelationshipInput struct {
	characterArg
	Target        string  `json:"target" jsonschema:"Who the relationship is with: a user ID or another character's name."`
	AffinityDelta float64 `json:"affinity_delta,omitempty" jsonschema:"Change of liking, -1 to 1 (e.g. 0.1 after a kind act, -0.3 after an insult). The result stays within -1..1."`
	TrustDelta    float64 `json:"trust_delta,omitempty" jsonschema:"Change of trust, -1 to 1. The result stays within -1..1."`
	Reason        string  `json:"reason" jsonschema:"Why it changed, in a short sentence; kept in the relationship's history."`
}

type getRelationshipsInput struct {
	characterArg
	Target string `json:"target,omitempty" jsonschema:"Only the relationship with this user ID or character name."`
}

type relationshipList struct {
	Relationships []store.Relationship `json:"relationships"`
}

func (s *Server) registerStateTools() {
	addTool(s, toolInfo{
		name:        "get_character_state",
		description: "Get how a character is right now: emotion, energy, location, short-term goals and inventory.",
		readOnly:    true,
	}, func(ctx context.Context, in getCharacterInput) (store.CharacterState, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return store.CharacterState{}, err
		}
		return s.store.GetCharacterState(ctx, c.ID)
	})

	addTool(s, toolInfo{
		name: "update_character_state",
		description: "Change how a character is right now (emotion, energy, location, goals, inventory). " +
			"Only the arguments you pass change. Use this when the story changes the character's mood, place or belongings.",
		rules: []schemaRule{between("energy", 0, 100)},
	}, func(ctx context.Context, in updateStateInput) (store.CharacterState, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return store.CharacterState{}, err
		}
		patch := store.StatePatch{Emotion: in.Emotion, Energy: in.Energy, Location: in.Location, Goals: in.Goals, Inventory: in.Inventory}
		if patch == (store.StatePatch{}) {
			return store.CharacterState{}, nothingToChange("emotion", "energy", "location", "goals", "inventory")
		}
		return s.store.UpdateCharacterState(ctx, c.ID, patch)
	})

	addTool(s, toolInfo{
		name: "update_relationship",
		description: "Adjust how a character feels about a user or another character (affinity and trust, each -1..1) " +
			"and record why. Use this after an interaction that should change the relationship.",
		rules: []schemaRule{between("affinity_delta", -1, 1), between("trust_delta", -1, 1)},
	}, func(ctx context.Context, in updateRelationshipInput) (store.Relationship, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return store.Relationship{}, err
		}
		return s.store.UpdateRelationship(ctx, c.ID, strings.TrimSpace(in.Target), store.RelationshipChange{
			AffinityDelta: in.AffinityDelta, TrustDelta: in.TrustDelta, Reason: in.Reason,
		})
	})

	addTool(s, toolInfo{
		name: "get_relationships",
		description: "Get how a character feels about others (affinity, trust and the history of changes), " +
			"or about one target. Use this before an interaction to know where the character stands.",
		readOnly: true,
	}, func(ctx context.Context, in getRelationshipsInput) (relationshipList, error) {
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return relationshipList{}, err
		}
		target := strings.TrimSpace(in.Target)
		if target == "" {
			rels, err := s.store.ListRelationships(ctx, c.ID)
			return relationshipList{Relationships: rels}, err
		}
		// A target never met yet has the neutral relationship.
		rel, err := s.store.GetRelationship(ctx, c.ID, target)
		return relationshipList{Relationships: []store.Relationship{rel}}, err
	})
}

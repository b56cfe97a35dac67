package bot

import "context"

// Typed calls of the MCP server's tools. Argument names are the tools'.

type newCharacter struct {
	Name           string   `json:"name"`
	Personality    string   `json:"personality,omitempty"`
	Background     string   `json:"background,omitempty"`
	SpeechPatterns string   `json:"speech_patterns,omitempty"`
	Goals          []string `json:"goals,omitempty"`
	Style          string   `json:"style,omitempty"`
}

func (c *mcpClient) createCharacter(ctx context.Context, in newCharacter) (character, error) {
	return callTool[character](ctx, c, "create_character", in)
}

func (c *mcpClient) getCharacter(ctx context.Context, ref string) (characterProfile, error) {
	return callTool[characterProfile](ctx, c, "get_character", map[string]string{"character": ref})
}

func (c *mcpClient) listCharacters(ctx context.Context) ([]character, error) {
	out, err := callTool[struct {
		Characters []character `json:"characters"`
	}](ctx, c, "list_characters", map[string]any{})
	return out.Characters, err
}

type contextRequest struct {
	Character string `json:"character"`
	Channel   string `json:"channel"`
	User      string `json:"user,omitempty"`
	// UserName is the display name {{user}} stands for when the user has
	// no persona.
	UserName string `json:"user_name,omitempty"`
	Message  string `json:"message,omitempty"`
}

func (c *mcpClient) getContext(ctx context.Context, in contextRequest) (roleplayContext, error) {
	return callTool[roleplayContext](ctx, c, "get_context", in)
}

// Message roles of log_message.
const (
	roleUser      = "user"
	roleAssistant = "assistant"
)

type loggedMessage struct {
	Character string `json:"character"`
	Channel   string `json:"channel"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	User      string `json:"user,omitempty"`
}

func (c *mcpClient) logMessage(ctx context.Context, in loggedMessage) error {
	_, err := callTool[struct{}](ctx, c, "log_message", in)
	return err
}

// Memory kinds of remember.
const (
	kindEpisodic = "episodic"
	kindSemantic = "semantic"
)

type newMemory struct {
	Character  string   `json:"character"`
	Text       string   `json:"text"`
	Kind       string   `json:"kind,omitempty"`
	Importance int      `json:"importance,omitempty"`
	User       string   `json:"user,omitempty"`
	Channel    string   `json:"channel,omitempty"`
	Tags       []string `json:"tags,omitempty"`
}

func (c *mcpClient) remember(ctx context.Context, in newMemory) (memoryRecord, error) {
	return callTool[memoryRecord](ctx, c, "remember", in)
}

type recallRequest struct {
	Character string `json:"character"`
	Query     string `json:"query"`
	User      string `json:"user,omitempty"`
	Limit     int    `json:"limit,omitempty"`
}

func (c *mcpClient) recall(ctx context.Context, in recallRequest) ([]memoryRecord, error) {
	out, err := callTool[struct {
		Memories []memoryRecord `json:"memories"`
	}](ctx, c, "recall", in)
	return out.Memories, err
}

type newEvent struct {
	Channel      string   `json:"channel"`
	Description  string   `json:"description"`
	Type         string   `json:"type,omitempty"`
	Character    string   `json:"character,omitempty"`
	Impact       int      `json:"impact,omitempty"`
	Participants []string `json:"participants,omitempty"`
}

func (c *mcpClient) addEvent(ctx context.Context, in newEvent) (timelineEvent, error) {
	return callTool[timelineEvent](ctx, c, "add_event", in)
}

func (c *mcpClient) timeline(ctx context.Context, channel string, limit int) ([]timelineEvent, error) {
	out, err := callTool[struct {
		Events []timelineEvent `json:"events"`
	}](ctx, c, "get_timeline", map[string]any{"channel": channel, "limit": limit})
	return out.Events, err
}

type relationshipUpdate struct {
	Character     string  `json:"character"`
	Target        string  `json:"target"`
	AffinityDelta float64 `json:"affinity_delta,omitempty"`
	TrustDelta    float64 `json:"trust_delta,omitempty"`
	Reason        string  `json:"reason"`
}

func (c *mcpClient) updateRelationship(ctx context.Context, in relationshipUpdate) (relationship, error) {
	return callTool[relationship](ctx, c, "update_relationship", in)
}

func (c *mcpClient) relationshipWith(ctx context.Context, characterRef, target string) (relationship, error) {
	out, err := callTool[struct {
		Relationships []relationship `json:"relationships"`
	}](ctx, c, "get_relationships", map[string]string{"character": characterRef, "target": target})
	if err != nil || len(out.Relationships) == 0 {
		return relationship{}, err
	}
	return out.Relationships[0], nil
}

func (c *mcpClient) forgetUser(ctx context.Context, user string) (memoriesDeleted int, err error) {
	out, err := callTool[struct {
		MemoriesDeleted int `json:"memories_deleted"`
	}](ctx, c, "forget_user", map[string]string{"user": user})
	return out.MemoriesDeleted, err
}

package turn

import "context"

// Typed calls of the MCP server's tools. Argument names are the tools'.

// NewCharacter is the arguments of create_character.
type NewCharacter struct {
	Name           string   `json:"name"`
	Personality    string   `json:"personality,omitempty"`
	Background     string   `json:"background,omitempty"`
	SpeechPatterns string   `json:"speech_patterns,omitempty"`
	Goals          []string `json:"goals,omitempty"`
	Style          string   `json:"style,omitempty"`
}

// CreateCharacter calls create_character.
func (c *Client) CreateCharacter(ctx context.Context, in NewCharacter) (Character, error) {
	return Call[Character](ctx, c, "create_character", in)
}

// GetCharacter calls get_character.
func (c *Client) GetCharacter(ctx context.Context, ref string) (Profile, error) {
	return Call[Profile](ctx, c, "get_character", map[string]string{"character": ref})
}

// ListCharacters calls list_characters.
func (c *Client) ListCharacters(ctx context.Context) ([]Character, error) {
	out, err := Call[struct {
		Characters []Character `json:"characters"`
	}](ctx, c, "list_characters", map[string]any{})
	return out.Characters, err
}

// ContextRequest is the arguments of get_context.
type ContextRequest struct {
	Character string `json:"character"`
	Channel   string `json:"channel"`
	User      string `json:"user,omitempty"`
	// UserName is the display name {{user}} stands for when the user has
	// no persona.
	UserName string `json:"user_name,omitempty"`
	Message  string `json:"message,omitempty"`
}

// GetContext calls get_context.
func (c *Client) GetContext(ctx context.Context, in ContextRequest) (Context, error) {
	return Call[Context](ctx, c, "get_context", in)
}

// Message roles of log_message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// LoggedMessage is the arguments of log_message.
type LoggedMessage struct {
	Character string `json:"character"`
	Channel   string `json:"channel"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	User      string `json:"user,omitempty"`
}

// LogMessage calls log_message.
func (c *Client) LogMessage(ctx context.Context, in LoggedMessage) error {
	_, err := Call[struct{}](ctx, c, "log_message", in)
	return err
}

// Memory kinds of remember.
const (
	KindEpisodic = "episodic"
	KindSemantic = "semantic"
)

// NewMemory is the arguments of remember.
type NewMemory struct {
	Character  string   `json:"character"`
	Text       string   `json:"text"`
	Kind       string   `json:"kind,omitempty"`
	Importance int      `json:"importance,omitempty"`
	User       string   `json:"user,omitempty"`
	Channel    string   `json:"channel,omitempty"`
	Tags       []string `json:"tags,omitempty"`
}

// Remember calls remember.
func (c *Client) Remember(ctx context.Context, in NewMemory) (Memory, error) {
	return Call[Memory](ctx, c, "remember", in)
}

// RecallRequest is the arguments of recall.
type RecallRequest struct {
	Character string `json:"character"`
	Query     string `json:"query"`
	User      string `json:"user,omitempty"`
	Limit     int    `json:"limit,omitempty"`
}

// Recall calls recall.
func (c *Client) Recall(ctx context.Context, in RecallRequest) ([]Memory, error) {
	out, err := Call[struct {
		Memories []Memory `json:"memories"`
	}](ctx, c, "recall", in)
	return out.Memories, err
}

// NewEvent is the arguments of add_event.
type NewEvent struct {
	Channel      string   `json:"channel"`
	Description  string   `json:"description"`
	Type         string   `json:"type,omitempty"`
	Character    string   `json:"character,omitempty"`
	Impact       int      `json:"impact,omitempty"`
	Participants []string `json:"participants,omitempty"`
}

// AddEvent calls add_event.
func (c *Client) AddEvent(ctx context.Context, in NewEvent) (Event, error) {
	return Call[Event](ctx, c, "add_event", in)
}

// Timeline calls get_timeline.
func (c *Client) Timeline(ctx context.Context, channel string, limit int) ([]Event, error) {
	out, err := Call[struct {
		Events []Event `json:"events"`
	}](ctx, c, "get_timeline", map[string]any{"channel": channel, "limit": limit})
	return out.Events, err
}

// RelationshipUpdate is the arguments of update_relationship.
type RelationshipUpdate struct {
	Character     string  `json:"character"`
	Target        string  `json:"target"`
	AffinityDelta float64 `json:"affinity_delta,omitempty"`
	TrustDelta    float64 `json:"trust_delta,omitempty"`
	Reason        string  `json:"reason"`
}

// UpdateRelationship calls update_relationship.
func (c *Client) UpdateRelationship(ctx context.Context, in RelationshipUpdate) (Relationship, error) {
	return Call[Relationship](ctx, c, "update_relationship", in)
}

// RelationshipWith calls get_relationships.
func (c *Client) RelationshipWith(ctx context.Context, characterRef, target string) (Relationship, error) {
	out, err := Call[struct {
		Relationships []Relationship `json:"relationships"`
	}](ctx, c, "get_relationships", map[string]string{"character": characterRef, "target": target})
	if err != nil || len(out.Relationships) == 0 {
		return Relationship{}, err
	}
	return out.Relationships[0], nil
}

// ForgetUser calls forget_user.
func (c *Client) ForgetUser(ctx context.Context, user string) (memoriesDeleted int, err error) {
	out, err := Call[struct {
		MemoriesDeleted int `json:"memories_deleted"`
	}](ctx, c, "forget_user", map[string]string{"user": user})
	return out.MemoriesDeleted, err
}

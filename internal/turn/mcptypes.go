package turn

import "time"

// The tool results the turns and the bot read, as the MCP server sends
// them. Only the fields used are declared: the JSON is the contract, and
// the server's Go types would drag its database drivers into the bot's
// binary.

// Character is a Character's persona.

type Character struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Personality    string   `json:"personality,omitempty"`
	Background     string   `json:"background,omitempty"`
	SpeechPatterns string   `json:"speech_patterns,omitempty"`
	Goals          []string `json:"goals,omitempty"`
	Style          string   `json:"style,omitempty"`
}

// CharacterState is a character's current state.
type CharacterState struct {
	Emotion   string   `json:"emotion"`
	Energy    int      `json:"energy"`
	Location  string   `json:"location,omitempty"`
	Goals     []string `json:"goals,omitempty"`
	Inventory []string `json:"inventory,omitempty"`
}

// Profile is a character with its state (get_character).
type Profile struct {
	Character Character      `json:"character"`
	State     CharacterState `json:"state"`
}

// Memory is a stored memory.
type Memory struct {
	Text       string    `json:"text"`
	Importance int       `json:"importance"`
	CreatedAt  time.Time `json:"created_at"`
}

// Event is a timeline event.
type Event struct {
	Type        string    `json:"type"`
	Description string    `json:"description"`
	Impact      int       `json:"impact"`
	CreatedAt   time.Time `json:"created_at"`
}

// Relationship is how a character feels about a user or a character.
type Relationship struct {
	Affinity  float64              `json:"affinity"`
	Trust     float64              `json:"trust"`
	History   []RelationshipChange `json:"history,omitempty"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// RelationshipChange is one change in a relationship's history.
type RelationshipChange struct {
	Reason string `json:"reason"`
}

// Message is one message of the conversation log.
type Message struct {
	UserID  string `json:"user_id,omitempty"`
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Context is the result of get_context: what a character knows for a turn.
type Context struct {
	Character      Character      `json:"character"`
	State          CharacterState `json:"state"`
	Relationship   *Relationship  `json:"relationship,omitempty"`
	Memories       []Memory       `json:"memories"`
	RecentMessages []Message      `json:"recent_messages"`
	SystemPrompt   string         `json:"system_prompt"`
}

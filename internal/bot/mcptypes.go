package bot

import "time"

// The tool results the bot reads, as the MCP server sends them. Only the
// fields the bot uses are declared: the JSON is the contract, and the
// server's Go types would drag its database drivers into the bot's binary.

type character struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Personality    string   `json:"personality,omitempty"`
	Background     string   `json:"background,omitempty"`
	SpeechPatterns string   `json:"speech_patterns,omitempty"`
	Goals          []string `json:"goals,omitempty"`
	Style          string   `json:"style,omitempty"`
}

type characterState struct {
	Emotion   string   `json:"emotion"`
	Energy    int      `json:"energy"`
	Location  string   `json:"location,omitempty"`
	Goals     []string `json:"goals,omitempty"`
	Inventory []string `json:"inventory,omitempty"`
}

type characterProfile struct {
	Character character      `json:"character"`
	State     characterState `json:"state"`
}

type memoryRecord struct {
	Text       string    `json:"text"`
	Importance int       `json:"importance"`
	CreatedAt  time.Time `json:"created_at"`
}

type timelineEvent struct {
	Type        string    `json:"type"`
	Description string    `json:"description"`
	Impact      int       `json:"impact"`
	CreatedAt   time.Time `json:"created_at"`
}

type relationship struct {
	Affinity  float64              `json:"affinity"`
	Trust     float64              `json:"trust"`
	History   []relationshipChange `json:"history,omitempty"`
	UpdatedAt time.Time            `json:"updated_at"`
}

type relationshipChange struct {
	Reason string `json:"reason"`
}

type conversationMessage struct {
	UserID  string `json:"user_id,omitempty"`
	Role    string `json:"role"`
	Content string `json:"content"`
}

// roleplayContext is the result of get_context.
type roleplayContext struct {
	Character      character             `json:"character"`
	State          characterState        `json:"state"`
	Relationship   *relationship         `json:"relationship,omitempty"`
	Memories       []memoryRecord        `json:"memories"`
	RecentMessages []conversationMessage `json:"recent_messages"`
	SystemPrompt   string                `json:"system_prompt"`
}

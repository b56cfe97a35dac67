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
	ID         string    `json:"id"`
	UserID     string    `json:"user_id,omitempty"`
	Kind       string    `json:"kind"`
	Text       string    `json:"text"`
	Importance int       `json:"importance"`
	CreatedAt  time.Time `json:"created_at"`
}

type recalledMemory struct {
	memoryRecord
	Score float64 `json:"score"`
}

type timelineEvent struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Description string    `json:"description"`
	Impact      int       `json:"impact"`
	CreatedAt   time.Time `json:"created_at"`
}

type relationship struct {
	Target    string               `json:"target"`
	Affinity  float64              `json:"affinity"`
	Trust     float64              `json:"trust"`
	History   []relationshipChange `json:"history,omitempty"`
	UpdatedAt time.Time            `json:"updated_at"`
}

type relationshipChange struct {
	AffinityDelta float64 `json:"affinity_delta"`
	TrustDelta    float64 `json:"trust_delta"`
	Reason        string  `json:"reason"`
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
	Memories       []recalledMemory      `json:"memories"`
	RecentMessages []conversationMessage `json:"recent_messages"`
	Timeline       []timelineEvent       `json:"timeline"`
	SystemPrompt   string                `json:"system_prompt"`
}

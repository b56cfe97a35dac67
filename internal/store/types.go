package store

import "time"

// Character is a roleplay character and its persona.
type Character struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Personality    string    `json:"personality,omitempty"`
	Background     string    `json:"background,omitempty"`
	SpeechPatterns string    `json:"speech_patterns,omitempty"`
	Goals          []string  `json:"goals,omitempty"`
	Style          string    `json:"style,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// CharacterPatch updates the non-nil fields of a character.
type CharacterPatch struct {
	Name           *string   `json:"name,omitempty"`
	Personality    *string   `json:"personality,omitempty"`
	Background     *string   `json:"background,omitempty"`
	SpeechPatterns *string   `json:"speech_patterns,omitempty"`
	Goals          *[]string `json:"goals,omitempty"`
	Style          *string   `json:"style,omitempty"`
}

// MemoryKind follows the Generative Agents split of memories.
type MemoryKind string

// Memory kinds.
const (
	KindEpisodic   MemoryKind = "episodic"
	KindSemantic   MemoryKind = "semantic"
	KindReflection MemoryKind = "reflection"
)

// MemoryKinds lists the valid kinds, for validation and tool schemas.
var MemoryKinds = []MemoryKind{KindEpisodic, KindSemantic, KindReflection}

// Memory is one remembered thing. Importance is 1..10.
//
// OccurredAt is when it happened, CreatedAt when it was stored; a zero
// OccurredAt means it happened when it was stored.
type Memory struct {
	ID             string     `json:"id"`
	CharacterID    string     `json:"character_id"`
	UserID         string     `json:"user_id,omitempty"`
	ChannelID      string     `json:"channel_id,omitempty"`
	Kind           MemoryKind `json:"kind"`
	Text           string     `json:"text"`
	Importance     int        `json:"importance"`
	Tags           []string   `json:"tags,omitempty"`
	OccurredAt     time.Time  `json:"occurred_at"`
	CreatedAt      time.Time  `json:"created_at"`
	LastAccessedAt time.Time  `json:"last_accessed_at"`
	// Deduplicated is set (not stored) on the result of a create that found
	// the same memory already stored and returned it instead of a copy.
	Deduplicated bool `json:"deduplicated,omitempty"`
}

// MemoryPatch updates the non-nil fields of a memory.
type MemoryPatch struct {
	Text       *string     `json:"text,omitempty"`
	Kind       *MemoryKind `json:"kind,omitempty"`
	Importance *int        `json:"importance,omitempty"`
	Tags       *[]string   `json:"tags,omitempty"`
	OccurredAt *time.Time  `json:"occurred_at,omitempty"`
}

// MemoryFilter selects memories; empty fields match everything. After and
// Before bound OccurredAt, inclusively; zero means unbounded.
type MemoryFilter struct {
	CharacterID string
	UserID      string
	ChannelID   string
	Kind        MemoryKind
	After       time.Time
	Before      time.Time
	Limit       int // <= 0: no limit
	Offset      int
}

// MemoryVector is the embedding of one memory with the fields vector search filters on.
//
// Text and OccurredAt are the memory's, read with the vector (ScanVectors,
// GetVectors) for the in-memory indexes; they are not stored with it, and
// are empty when the memory row is gone.
type MemoryVector struct {
	MemoryID    string     `json:"memory_id"`
	CharacterID string     `json:"character_id"`
	UserID      string     `json:"user_id,omitempty"`
	ChannelID   string     `json:"channel_id,omitempty"`
	Kind        MemoryKind `json:"kind"`
	Vector      []float32  `json:"vector"`
	Text        string     `json:"-"`
	OccurredAt  time.Time  `json:"-"`
}

// EventType classifies timeline events.
type EventType string

// Timeline event types.
const (
	EventDialogue            EventType = "dialogue"
	EventAction              EventType = "action"
	EventPlotPoint           EventType = "plot_point"
	EventDecision            EventType = "decision"
	EventCharacterIntro      EventType = "character_intro"
	EventLocationChange      EventType = "location_change"
	EventRelationshipChange  EventType = "relationship_change"
	EventUserJoin            EventType = "user_join"
	EventUserCharacterAction EventType = "user_character_action"
)

// EventTypes lists the valid event types, for validation and tool schemas.
var EventTypes = []EventType{
	EventDialogue, EventAction, EventPlotPoint, EventDecision, EventCharacterIntro,
	EventLocationChange, EventRelationshipChange, EventUserJoin, EventUserCharacterAction,
}

// DefaultBranch is the branch every channel's timeline starts on.
const DefaultBranch = "main"

// TimelineEvent is one thing that happened in a channel's story. Impact is 0..10.
type TimelineEvent struct {
	ID           string    `json:"id"`
	ChannelID    string    `json:"channel_id"`
	Branch       string    `json:"branch"`
	ParentID     string    `json:"parent_id,omitempty"`
	CharacterID  string    `json:"character_id,omitempty"`
	Type         EventType `json:"type"`
	Description  string    `json:"description"`
	Impact       int       `json:"impact"`
	Participants []string  `json:"participants,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Branch is a named head of a channel's timeline tree.
type Branch struct {
	ChannelID   string    `json:"channel_id"`
	Name        string    `json:"name"`
	HeadEventID string    `json:"head_event_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// CharacterState is how a character is right now. Energy is 0..100.
type CharacterState struct {
	CharacterID string    `json:"character_id"`
	Emotion     string    `json:"emotion"`
	Energy      int       `json:"energy"`
	Location    string    `json:"location,omitempty"`
	Goals       []string  `json:"goals,omitempty"`
	Inventory   []string  `json:"inventory,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// StatePatch updates the non-nil fields of a character's state.
type StatePatch struct {
	Emotion   *string   `json:"emotion,omitempty"`
	Energy    *int      `json:"energy,omitempty"`
	Location  *string   `json:"location,omitempty"`
	Goals     *[]string `json:"goals,omitempty"`
	Inventory *[]string `json:"inventory,omitempty"`
}

// Relationship is how a character feels about a target (a user or another
// character). Affinity and Trust are in -1..1.
type Relationship struct {
	CharacterID string               `json:"character_id"`
	Target      string               `json:"target"`
	Affinity    float64              `json:"affinity"`
	Trust       float64              `json:"trust"`
	History     []RelationshipChange `json:"history,omitempty"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

// RelationshipChange is one recorded change with its reason.
type RelationshipChange struct {
	AffinityDelta float64   `json:"affinity_delta"`
	TrustDelta    float64   `json:"trust_delta"`
	Reason        string    `json:"reason"`
	At            time.Time `json:"at"`
}

// Message is one conversation message. Role is "user" or "assistant".
type Message struct {
	ID          string    `json:"id"`
	CharacterID string    `json:"character_id"`
	ChannelID   string    `json:"channel_id"`
	UserID      string    `json:"user_id,omitempty"`
	Role        string    `json:"role"`
	Content     string    `json:"content"`
	CreatedAt   time.Time `json:"created_at"`
}

// Dataset is every row of a store, for migration between backends.
type Dataset struct {
	Characters    []Character      `json:"characters"`
	States        []CharacterState `json:"states"`
	Relationships []Relationship   `json:"relationships"`
	Memories      []Memory         `json:"memories"`
	Vectors       []MemoryVector   `json:"vectors"`
	Events        []TimelineEvent  `json:"events"`
	Branches      []Branch         `json:"branches"`
	Messages      []Message        `json:"messages"`
	Cards         []CharacterCard  `json:"cards"`
	LoreBooks     []LoreBook       `json:"lore_books"`
	LoreEntries   []LoreEntry      `json:"lore_entries"`
	Personas      []Persona        `json:"personas"`
}

// Counts is the number of rows per table (or inserted per table by Import).
type Counts struct {
	Characters    int64 `json:"characters"`
	States        int64 `json:"states"`
	Relationships int64 `json:"relationships"`
	Memories      int64 `json:"memories"`
	Vectors       int64 `json:"vectors"`
	Events        int64 `json:"events"`
	Branches      int64 `json:"branches"`
	Messages      int64 `json:"messages"`
	Cards         int64 `json:"cards"`
	LoreBooks     int64 `json:"lore_books"`
	LoreEntries   int64 `json:"lore_entries"`
	Personas      int64 `json:"personas"`
}

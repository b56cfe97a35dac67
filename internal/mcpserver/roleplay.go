package mcpserver

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/macro"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// Defaults and limits of a roleplay context.
const (
	defaultContextMessages = 20
	maxContextMessages     = 200
	defaultContextEvents   = 10
)

// contextRequest asks for everything a roleplay turn needs.
type contextRequest struct {
	characterArg
	Channel      string `json:"channel" jsonschema:"ID of the channel (scene) where the conversation happens."`
	User         string `json:"user,omitempty" jsonschema:"ID of the user the character is talking to; adds the character's relationship with them."`
	UserName     string `json:"user_name,omitempty" jsonschema:"The user's display name, which {{user}} stands for unless the user has set a persona."`
	Message      string `json:"message,omitempty" jsonschema:"The user's new message. Memories are recalled for it; without it, for the latest logged user message."`
	Branch       string `json:"branch,omitempty" jsonschema:"Timeline branch of the scene."`
	MemoryLimit  int    `json:"memory_limit,omitempty" jsonschema:"How many recalled memories to include at most."`
	MessageLimit int    `json:"message_limit,omitempty" jsonschema:"How many recent messages to include at most."`
	EventLimit   int    `json:"event_limit,omitempty" jsonschema:"How many recent timeline events to include at most."`
}

var contextRules = []schemaRule{
	byDefault("branch", store.DefaultBranch),
	between("memory_limit", 1, memory.MaxRecallLimit), byDefault("memory_limit", memory.DefaultRecallLimit),
	between("message_limit", 1, maxContextMessages), byDefault("message_limit", defaultContextMessages),
	between("event_limit", 1, maxTimelineLimit), byDefault("event_limit", defaultContextEvents),
}

// roleplayContext is what a character needs to play its next turn, with a
// system prompt assembled from it.
type roleplayContext struct {
	Character store.Character      `json:"character"`
	State     store.CharacterState `json:"state"`
	// Relationship is the character's relationship with the user, when a
	// user was given (neutral if they never met).
	Relationship *store.Relationship `json:"relationship,omitempty"`
	Memories     []recalledMemory    `json:"memories"`
	// Lore is the authored canon whose keys came up (see triggeredLoreFor),
	// kept apart from Memories: lore is what is true in the story's world,
	// memories are what happened.
	Lore []triggeredLore `json:"lore"`
	// LoreErrors name lore entries that could not take part (a key that
	// does not compile), so that an author sees them.
	LoreErrors     []string              `json:"lore_errors,omitempty"`
	RecentMessages []store.Message       `json:"recent_messages"`
	Timeline       []store.TimelineEvent `json:"timeline"`
	// Persona is the user's persona, when they have set one.
	Persona *store.Persona `json:"persona,omitempty" jsonschema:"The user's persona: the name {{user}} stands for and a description of who they are in the story."`
	// CharName and UserName are what {{char}} and {{user}} stand for in
	// this context (see macro.Names).
	CharName string `json:"char_name" jsonschema:"What {{char}} stands for: the card's nickname, else the character's name."`
	UserName string `json:"user_name,omitempty" jsonschema:"What {{user}} stands for: the user's persona name, else user_name, else the user ID."`
	// Scenario and ExampleDialogue come from the character's card.
	Scenario        string   `json:"scenario,omitempty" jsonschema:"The card's scenario, macros replaced."`
	ExampleDialogue []string `json:"example_dialogue,omitempty" jsonschema:"Example conversations (the card's mes_example, one per <START> block), macros replaced: how the character talks, not things that happened."`
	SystemPrompt    string   `json:"system_prompt"`
	// PostHistoryInstructions end SystemPrompt too; a client that sends
	// the conversation as messages puts them after the last one.
	PostHistoryInstructions string `json:"post_history_instructions" jsonschema:"Instructions that go after the conversation: the card's post_history_instructions, or charsim's default."`

	names  macro.Names
	prompt cardPrompt
	userID string
}

// roleplayContext gathers the context; zero limits and branch take their defaults.
func (s *Server) roleplayContext(ctx context.Context, req contextRequest) (roleplayContext, error) {
	c, err := s.resolveCharacter(ctx, req.Character)
	if err != nil {
		return roleplayContext{}, err
	}
	channel := strings.TrimSpace(req.Channel)
	if channel == "" {
		return roleplayContext{}, badArgument("channel", "is required: give the ID of the channel (scene)")
	}
	cc, err := s.storedCard(ctx, c)
	if err != nil {
		return roleplayContext{}, err
	}
	user := strings.TrimSpace(req.User)
	out := roleplayContext{Character: c, Memories: []recalledMemory{}, userID: user}
	if out.Persona, err = s.persona(ctx, user); err != nil {
		return roleplayContext{}, err
	}
	out.names = macro.Names{Char: charName(c, cc), User: userName(out.Persona, req.UserName, user)}
	out.CharName, out.UserName = out.names.Char, out.names.User
	if out.State, err = s.store.GetCharacterState(ctx, c.ID); err != nil {
		return roleplayContext{}, err
	}
	if user != "" {
		rel, err := s.store.GetRelationship(ctx, c.ID, user)
		if err != nil {
			return roleplayContext{}, err
		}
		out.Relationship = &rel
	}
	if out.RecentMessages, err = s.recentMessages(ctx, c.ID, channel, cmp.Or(req.MessageLimit, defaultContextMessages)); err != nil {
		return roleplayContext{}, err
	}
	if query := cmp.Or(strings.TrimSpace(req.Message), lastUserMessage(out.RecentMessages)); query != "" {
		if out.Memories, err = s.recall(ctx, memory.Query{
			Text:   query,
			Filter: memory.Filter{CharacterID: c.ID},
			Limit:  cmp.Or(req.MemoryLimit, memory.DefaultRecallLimit),
		}, false); err != nil {
			return roleplayContext{}, err
		}
	}
	if out.Lore, out.LoreErrors, err = s.triggeredLoreFor(ctx, c, channel, out.names, out.RecentMessages, req.Message); err != nil {
		return roleplayContext{}, err
	}
	branch := cmp.Or(strings.TrimSpace(req.Branch), store.DefaultBranch)
	if out.Timeline, err = s.store.Timeline(ctx, channel, branch, cmp.Or(req.EventLimit, defaultContextEvents)); err != nil {
		return roleplayContext{}, err
	}
	out.prompt = promptOf(c, cc, out.names)
	out.Scenario, out.ExampleDialogue, out.PostHistoryInstructions = out.prompt.scenario, out.prompt.examples, out.prompt.postHistory
	out.SystemPrompt = out.systemPrompt()
	return out, nil
}

func lastUserMessage(msgs []store.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == roleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// systemPrompt renders the context as instructions for the model that plays
// the character. Empty parts are left out. The character's own text is
// stored with its macros; they are replaced here. Text that came from the
// conversation (messages, memories, events) is left as it was said.
func (rc roleplayContext) systemPrompt() string {
	var b strings.Builder
	c, x := rc.Character, rc.names.Expand
	b.WriteString(rc.prompt.main)
	b.WriteString("\n")
	line := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, value)
		}
	}
	line("Personality", x(c.Personality))
	line("Background", x(c.Background))
	line("Scenario", rc.prompt.scenario)
	if len(rc.prompt.examples) == 0 {
		line("Speech patterns", x(c.SpeechPatterns))
	}
	line("Style", x(c.Style))
	line("Life goals", x(strings.Join(c.Goals, "; ")))
	if p := rc.Persona; p != nil && strings.TrimSpace(p.Description) != "" {
		fmt.Fprintf(&b, "\nWho you are talking to, %s (their persona): %s\n", p.Name, x(p.Description))
	}
	if len(rc.prompt.examples) > 0 {
		fmt.Fprintf(&b, "\nExample dialogue (how %s talks; these did not happen):\n", rc.names.Char)
		for _, ex := range rc.prompt.examples {
			fmt.Fprintf(&b, "<START>\n%s\n", ex)
		}
	}

	st := rc.State
	b.WriteString("\nRight now:\n")
	line("Emotion", st.Emotion)
	fmt.Fprintf(&b, "Energy: %d/100\n", st.Energy)
	line("Location", st.Location)
	line("Current goals", strings.Join(st.Goals, "; "))
	line("Carrying", strings.Join(st.Inventory, ", "))

	if r := rc.Relationship; r != nil {
		fmt.Fprintf(&b, "\nYour relationship with %s: affinity %+.2f, trust %+.2f (each from -1 to 1).\n", cmp.Or(rc.names.User, rc.userID), r.Affinity, r.Trust)
		if n := len(r.History); n > 0 {
			line("Latest change", r.History[n-1].Reason)
		}
	}
	if len(rc.Lore) > 0 {
		b.WriteString("\nLore of this world (authored canon, true in this story; not memories):\n")
		for _, l := range rc.Lore {
			fmt.Fprintf(&b, "- %s\n", l.Content)
		}
	}
	if len(rc.Memories) > 0 {
		b.WriteString("\nWhat you remember (most relevant first):\n")
		for _, m := range rc.Memories {
			fmt.Fprintf(&b, "- %s (%s, importance %d)\n", m.Text, m.Kind, m.Importance)
		}
	}
	if len(rc.Timeline) > 0 {
		b.WriteString("\nRecent events in this scene (oldest first):\n")
		for _, e := range rc.Timeline {
			fmt.Fprintf(&b, "- [%s] %s\n", e.Type, e.Description)
		}
	}
	if len(rc.RecentMessages) > 0 {
		b.WriteString("\nRecent conversation (oldest first):\n")
		for _, m := range rc.RecentMessages {
			speaker := rc.names.Char
			if m.Role == roleUser {
				speaker = cmp.Or(m.UserID, "user")
				if m.UserID == rc.userID && rc.names.User != "" {
					speaker = rc.names.User
				}
			}
			fmt.Fprintf(&b, "%s: %s\n", speaker, m.Content)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", rc.prompt.postHistory)
	return b.String()
}

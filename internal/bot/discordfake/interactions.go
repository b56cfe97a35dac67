package discordfake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Message is a message the bot sent, as the emulator keeps it.
type Message struct {
	ID, ChannelID string
	Content       string
	Ephemeral     bool
	// CustomIDs are those of the attached buttons.
	CustomIDs       []string
	AllowedMentions *discordgo.MessageAllowedMentions
	// ReplyTo is the message a channel message replies to.
	ReplyTo string
	Deleted bool
	// Sent is when the emulator received the message.
	Sent time.Time
	// WebhookID is the webhook a message was posted through; Username and
	// AvatarURL are the author it showed (the overrides, or the webhook's
	// name).
	WebhookID, Username, AvatarURL string
}

func (m Message) discordgo() *discordgo.Message {
	var flags discordgo.MessageFlags
	if m.Ephemeral {
		flags = discordgo.MessageFlagsEphemeral
	}
	return &discordgo.Message{ID: m.ID, ChannelID: m.ChannelID, Content: m.Content, Flags: flags}
}

// interaction is the emulator's record of an interaction.
type interaction struct {
	InteractionState
	channelID string
	kind      discordgo.InteractionType
	created   time.Time // when the event was sent to the bot
	// loading holds from a deferred response until its message is edited
	// or deleted: Discord shows "thinking…".
	loading bool
}

// message finds "@original" or a follow-up by ID.
func (in *interaction) message(id string) *Message {
	if id == "@original" {
		return in.Original
	}
	for i := range in.Followups {
		if in.Followups[i].ID == id {
			return &in.Followups[i]
		}
	}
	return nil
}

// InteractionState is what the bot did with an interaction.
type InteractionState struct {
	ID, Token string
	// Callbacks are the interaction response types received (Discord
	// accepts one).
	Callbacks []discordgo.InteractionResponseType
	// CallbackDelay is how long after the event the accepted callback came.
	CallbackDelay time.Duration
	// Late counts callbacks refused for coming after the initial-response
	// deadline.
	Late int
	// Original is the response message (for a button, the updated message);
	// empty content after a deferred response means "thinking…".
	Original  *Message
	Edits     int
	Followups []Message
}

// Visible returns the messages the user sees now, in order: the original
// response unless deleted or still thinking, then the follow-ups.
func (st InteractionState) Visible() []Message {
	var out []Message
	if st.Original != nil && !st.Original.Deleted && st.Original.Content != "" {
		out = append(out, *st.Original)
	}
	for _, f := range st.Followups {
		if !f.Deleted {
			out = append(out, f)
		}
	}
	return out
}

// Text joins the content of the visible messages.
func (st InteractionState) Text() string {
	var parts []string
	for _, m := range st.Visible() {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n")
}

func (st InteractionState) clone() InteractionState {
	c := st
	c.Callbacks = slices.Clone(st.Callbacks)
	c.Followups = slices.Clone(st.Followups)
	if st.Original != nil {
		o := *st.Original
		c.Original = &o
	}
	return c
}

// Interact sends i to the bot as an INTERACTION_CREATE event, after giving
// it an ID, a token and the application ID, and returns the ID.
func (s *Server) Interact(i *discordgo.Interaction) (string, error) {
	if i.Type == discordgo.InteractionApplicationCommand {
		if err := s.offered(i); err != nil {
			return "", err
		}
	}
	i.ID, i.AppID, i.Version = s.newID(), s.AppID, 1
	i.Token = "interaction-token-" + i.ID
	s.mu.Lock()
	in := &interaction{InteractionState: InteractionState{ID: i.ID, Token: i.Token}, channelID: i.ChannelID, kind: i.Type, created: time.Now()}
	s.interactions[i.ID], s.byToken[i.Token] = in, in
	s.mu.Unlock()
	if err := s.Dispatch("INTERACTION_CREATE", i); err != nil {
		return "", fmt.Errorf("dispatch the interaction: %w", err)
	}
	return i.ID, nil
}

// offered checks that Discord's client offers the command where it is
// used: in a guild, a command of that guild or a global one for the guild
// context; in a DM with the bot, a global one for the bot-DM context. A
// name registered nowhere is delivered, as a client with a stale command
// list sends one the app has removed.
func (s *Server) offered(i *discordgo.Interaction) error {
	name := i.ApplicationCommandData().Name
	s.mu.Lock()
	defer s.mu.Unlock()
	want, where := discordgo.InteractionContextBotDM, "in a DM with the bot"
	if i.GuildID != "" {
		want, where = discordgo.InteractionContextGuild, "in guild "+i.GuildID
	}
	known := false
	for guild, cmds := range s.commands {
		for _, c := range cmds {
			if c.Name != name {
				continue
			}
			known = true
			if guild != "" && guild == i.GuildID {
				return nil
			}
			if guild == "" && (c.Contexts == nil || slices.Contains(*c.Contexts, want)) {
				return nil
			}
		}
	}
	if known {
		return fmt.Errorf("the command /%s is not offered %s", name, where)
	}
	return nil
}

// Interaction returns what the bot did with an interaction so far.
func (s *Server) Interaction(id string) InteractionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in, ok := s.interactions[id]; ok {
		return in.clone()
	}
	return InteractionState{}
}

// WaitInteraction waits until cond holds for the interaction's state.
func (s *Server) WaitInteraction(ctx context.Context, id string, cond func(InteractionState) bool) (InteractionState, error) {
	err := s.wait(ctx, func() bool {
		in, ok := s.interactions[id]
		return ok && cond(in.InteractionState)
	})
	return s.Interaction(id), err
}

// Answered holds once the bot has shown something: a response with
// content, or an error after deleting its deferred response.
func Answered(st InteractionState) bool { return len(st.Visible()) > 0 }

// Where an interaction happens and who sends it.
type Where struct {
	GuildID, ChannelID string
	User               *discordgo.User
}

// SlashCommand builds the interaction of a slash command: path is the
// command and optional subcommand ("character create"); an option given as
// an int or a float64 is an integer option, a *discordgo.MessageAttachment
// (from Server.Attachment) an attachment option, anything else a string
// option (so a test can send what Discord's client would not).
func SlashCommand(at Where, path string, options map[string]any) *discordgo.Interaction {
	name, sub, hasSub := strings.Cut(path, " ")
	var (
		opts     []*discordgo.ApplicationCommandInteractionDataOption
		resolved *discordgo.ApplicationCommandInteractionDataResolved
	)
	for k, v := range options {
		o := &discordgo.ApplicationCommandInteractionDataOption{Name: k, Value: v, Type: discordgo.ApplicationCommandOptionString}
		switch n := v.(type) {
		case int:
			o.Type, o.Value = discordgo.ApplicationCommandOptionInteger, float64(n)
		case float64:
			o.Type = discordgo.ApplicationCommandOptionInteger
		case *discordgo.MessageAttachment:
			// Discord sends the attachment's ID as the value and the
			// attachment itself in the resolved data.
			o.Type, o.Value = discordgo.ApplicationCommandOptionAttachment, n.ID
			if resolved == nil {
				resolved = &discordgo.ApplicationCommandInteractionDataResolved{Attachments: map[string]*discordgo.MessageAttachment{}}
			}
			resolved.Attachments[n.ID] = n
		}
		opts = append(opts, o)
	}
	if hasSub {
		opts = []*discordgo.ApplicationCommandInteractionDataOption{{Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}}
	}
	i := at.interaction(discordgo.InteractionApplicationCommand)
	i.Data = discordgo.ApplicationCommandInteractionData{Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts, Resolved: resolved}
	return i
}

// ButtonClick builds the interaction of a click on the button customID.
func ButtonClick(at Where, customID string) *discordgo.Interaction {
	i := at.interaction(discordgo.InteractionMessageComponent)
	i.Data = discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}
	return i
}

func (at Where) interaction(t discordgo.InteractionType) *discordgo.Interaction {
	i := &discordgo.Interaction{Type: t, GuildID: at.GuildID, ChannelID: at.ChannelID}
	if at.GuildID != "" {
		i.Member = &discordgo.Member{User: at.User}
	} else {
		i.User = at.User
	}
	return i
}

// UserMessage builds a MESSAGE_CREATE payload from a user; mentionBot adds
// the bot's mention to the content and the mentions.
func (s *Server) UserMessage(at Where, content string, mentionBot bool) *discordgo.Message {
	m := &discordgo.Message{ID: s.newID(), ChannelID: at.ChannelID, GuildID: at.GuildID, Author: at.User, Content: content}
	if mentionBot {
		m.Content = "<@" + s.BotUserID + "> " + content
		m.Mentions = []*discordgo.User{{ID: s.BotUserID, Username: "charsim", Bot: true}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userMessages[m.ID] = true
	return m
}

// DeleteUserMessage deletes a user's message, as its author can at any
// time, for example before the bot replied to it.
func (s *Server) DeleteUserMessage(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userMessages[id] = false
}

// SendMessage dispatches a MESSAGE_CREATE event. As Discord does, it
// empties the content of a server message that neither mentions the bot
// nor comes from it when the session lacks the Message Content intent.
func (s *Server) SendMessage(m *discordgo.Message) error {
	s.mu.Lock()
	withContent := s.intents&discordgo.IntentMessageContent != 0
	s.mu.Unlock()
	if !withContent && m.GuildID != "" && !s.mentionsBot(m) && (m.Author == nil || m.Author.ID != s.BotUserID) {
		c := *m
		c.Content, c.Embeds, c.Attachments, c.Components = "", nil, nil, nil
		m = &c
	}
	return s.Dispatch("MESSAGE_CREATE", m)
}

func (s *Server) mentionsBot(m *discordgo.Message) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == s.BotUserID {
			return true
		}
	}
	return false
}

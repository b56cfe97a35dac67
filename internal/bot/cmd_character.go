package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mojin/charsim/internal/turn"
)

func (b *Bot) characterCreate(ctx context.Context, c *call) (reply, error) {
	name := c.str("name")
	var goals []string
	for g := range strings.SplitSeq(c.str("goals"), ";") {
		if g = strings.TrimSpace(g); g != "" {
			goals = append(goals, g)
		}
	}
	created, err := b.mcp.CreateCharacter(ctx, turn.NewCharacter{
		Name: name, Personality: c.str("personality"), Background: c.str("background"),
		SpeechPatterns: c.str("speech_patterns"), Goals: goals, Style: c.str("style"),
	})
	var te *turn.ToolError
	if errors.As(err, &te) && strings.Contains(te.Message, "already exists") {
		return reply{}, userErrorf("A character called %q already exists.", name)
	}
	if err != nil {
		return reply{}, err
	}
	return reply{content: fmt.Sprintf("✨ %s created **%s**. `/character use name:%s` makes them answer in a channel.",
		c.userName, created.Name, created.Name)}, nil
}

func (b *Bot) characterList(ctx context.Context, c *call) (reply, error) {
	all, err := b.mcp.ListCharacters(ctx)
	if err != nil {
		return reply{}, err
	}
	if len(all) == 0 {
		return reply{content: "There are no characters yet: create one with `/character create`."}, nil
	}
	here, _, err := b.channels.Get(ctx, c.channelID)
	if err != nil {
		b.logger.WarnContext(ctx, "cannot read the channel's characters", "channel", c.channelID, "error", err)
	}
	var s strings.Builder
	fmt.Fprintf(&s, "**Characters** (%d)\n", len(all))
	for _, ch := range all {
		fmt.Fprintf(&s, "• **%s**", ch.Name)
		if here.index(ch.ID) >= 0 {
			s.WriteString(" *(active here)*")
		}
		if ch.Personality != "" {
			fmt.Fprintf(&s, " — %s", truncate(ch.Personality, 120))
		}
		s.WriteString("\n")
	}
	return reply{content: s.String()}, nil
}

func (b *Bot) characterInfo(ctx context.Context, c *call) (reply, error) {
	var (
		p   turn.Profile
		err error
	)
	if name := c.str("name"); name != "" {
		p, err = b.findCharacter(ctx, name)
	} else {
		var active activeCharacter
		if active, err = b.activeIn(ctx, c.channelID); err == nil {
			p, err = b.mcp.GetCharacter(ctx, active.ID)
			err = forgotten(active, err)
		}
	}
	if err != nil {
		return reply{}, err
	}
	ch, st := p.Character, p.State
	var s strings.Builder
	fmt.Fprintf(&s, "**%s**\n", ch.Name)
	field := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&s, "**%s:** %s\n", label, value)
		}
	}
	field("Personality", ch.Personality)
	field("Background", ch.Background)
	field("Speech", ch.SpeechPatterns)
	field("Style", ch.Style)
	field("Goals", strings.Join(ch.Goals, "; "))
	fmt.Fprintf(&s, "**Now:** feels %s, energy %d/100", st.Emotion, st.Energy)
	if st.Location != "" {
		fmt.Fprintf(&s, ", at %s", st.Location)
	}
	s.WriteString("\n")
	field("Current goals", strings.Join(st.Goals, "; "))
	field("Carrying", strings.Join(st.Inventory, ", "))
	return reply{content: s.String()}, nil
}

func (b *Bot) characterUse(ctx context.Context, c *call) (reply, error) {
	p, err := b.findCharacter(ctx, c.str("name"))
	if err != nil {
		return reply{}, err
	}
	who, details := b.castMember(ctx, c, p.Character)
	if err := b.storeScene(ctx, c.channelID, scene{Cast: []activeCharacter{who}}); err != nil {
		return reply{}, err
	}
	greeting, err := b.enter(ctx, c, who, details, false)
	if err != nil {
		return reply{}, err
	}
	content := fmt.Sprintf("🎭 **%s** now answers in this channel: `/talk`, or mention me.", who.Name)
	if greeting != "" {
		content += "\n\n**" + who.Name + ":** " + greeting
	}
	return reply{content: content}, nil
}

// findCharacter looks a character up by ID or exact name, then by name in
// any letter case: people type "aria" for Aria.
func (b *Bot) findCharacter(ctx context.Context, name string) (turn.Profile, error) {
	p, err := b.mcp.GetCharacter(ctx, name)
	var te *turn.ToolError
	if !errors.As(err, &te) || te.Argument() != "character" {
		return p, err
	}
	all, err := b.mcp.ListCharacters(ctx)
	if err != nil {
		return turn.Profile{}, err
	}
	for _, ch := range all {
		if strings.EqualFold(ch.Name, name) {
			return b.mcp.GetCharacter(ctx, ch.ID)
		}
	}
	return turn.Profile{}, userErrorf("No character is called %q. `/character list` shows the characters.", name)
}

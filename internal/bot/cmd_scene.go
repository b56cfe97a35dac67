package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mojin/charsim/internal/turn"
)

// maxCast bounds a scene: every character named in a message replies, and
// a channel full of them helps nobody.
const maxCast = 8

// castMember is a character as a scene keeps it, with what its card says
// (greetings, nickname). A card that cannot be read costs the greeting
// only: the character still enters.
func (b *Bot) castMember(ctx context.Context, c *call, ch turn.Character) (activeCharacter, cardDetails) {
	details, err := b.cardOf(ctx, ch.ID, c.user.ID, c.userName)
	if err != nil {
		b.logger.WarnContext(ctx, "cannot read the character's card; it enters without a greeting", "character", ch.ID, "error", redactedError{err})
	}
	return activeCharacter{ID: ch.ID, Name: ch.Name, Nickname: details.Nickname}, details
}

// storeScene saves a channel's scene, or says why it cannot.
func (b *Bot) storeScene(ctx context.Context, channelID string, s scene) error {
	if err := b.channels.Set(ctx, channelID, s); err != nil {
		b.logger.WarnContext(ctx, "cannot store the channel's characters", "channel", channelID, "error", err)
		return userErrorf("The bot cannot store this channel's character right now (its Redis is unavailable); try again in a minute.")
	}
	return nil
}

// enter records a character's entrance on the channel's timeline and
// returns its greeting, if its card has any; the greeting is logged as the
// character's first line, so that the conversation goes on from it.
func (b *Bot) enter(ctx context.Context, c *call, who activeCharacter, details cardDetails, group bool) (string, error) {
	if _, err := b.mcp.AddEvent(ctx, turn.NewEvent{
		Channel: c.channelID, Type: turn.EventCharacterIntro, Character: who.ID, Impact: 3,
		Description: fmt.Sprintf("%s enters the scene, called by %s.", who.Name, c.userName), Participants: []string{c.user.ID},
	}); err != nil {
		return "", fmt.Errorf("record %s's entrance: %w", who.Name, err)
	}
	greeting := details.greeting(group, nil)
	if greeting == "" {
		return "", nil
	}
	if err := b.mcp.LogMessage(ctx, turn.LoggedMessage{
		Character: who.ID, Channel: c.channelID, Role: turn.RoleAssistant, Content: greeting, User: c.user.ID,
	}); err != nil {
		return "", fmt.Errorf("log %s's greeting: %w", who.Name, err)
	}
	return greeting, nil
}

// updateScene changes a channel's scene atomically (see
// channelCharacters.Update), or says why it cannot. A user error of change
// comes back as it is.
func (b *Bot) updateScene(ctx context.Context, channelID string, change sceneChange) (scene, error) {
	s, err := b.channels.Update(ctx, channelID, change)
	var ue *userError
	if err != nil && !errors.As(err, &ue) {
		b.logger.WarnContext(ctx, "cannot store the channel's characters", "channel", channelID, "error", err)
		return scene{}, userErrorf("The bot cannot store this channel's character right now (its Redis is unavailable); try again in a minute.")
	}
	return s, err
}

// implicitScene is what a join starts from in a channel without a stored
// scene: the only character there is, as sceneIn answers in such a
// channel, or nobody.
func (b *Bot) implicitScene(ctx context.Context, channelID string) (scene, error) {
	sc, err := b.sceneIn(ctx, channelID)
	var ue *userError
	if errors.As(err, &ue) && !strings.Contains(ue.msg, "Redis") {
		return scene{}, nil // no scene yet: this join starts it
	}
	return sc, err
}

func (b *Bot) characterJoin(ctx context.Context, c *call) (reply, error) {
	p, err := b.findCharacter(ctx, c.str("name"))
	if err != nil {
		return reply{}, err
	}
	implicit, err := b.implicitScene(ctx, c.channelID)
	if err != nil {
		return reply{}, err
	}
	if implicit.index(p.Character.ID) >= 0 {
		return reply{}, userErrorf("%s is already in this channel's scene (%s).", p.Character.Name, implicit.names())
	}
	who, details := b.castMember(ctx, c, p.Character)
	// Read, check and add in one atomic step: two joins at once both land.
	sc, err := b.updateScene(ctx, c.channelID, func(cur scene, ok bool) (scene, error) {
		if !ok {
			// A fresh copy each time: change may run again.
			cur = scene{Cast: slices.Clone(implicit.Cast)}
		}
		if cur.index(who.ID) >= 0 {
			return scene{}, userErrorf("%s is already in this channel's scene (%s).", who.Name, cur.names())
		}
		if len(cur.Cast) >= maxCast {
			return scene{}, userErrorf("This scene is full (%d characters): `/character leave` one first.", maxCast)
		}
		cur.Cast = append(cur.Cast, who)
		return cur, nil
	})
	if err != nil {
		return reply{}, err
	}
	greeting, err := b.enter(ctx, c, who, details, len(sc.Cast) > 1)
	if err != nil {
		return reply{}, err
	}
	if len(sc.Cast) == 1 {
		content := fmt.Sprintf("🎭 **%s** now answers in this channel: `/talk`, or mention me.", who.Name)
		if greeting != "" {
			content += "\n\n**" + who.Name + ":** " + greeting
		}
		return reply{content: content}, nil
	}
	r := reply{content: fmt.Sprintf("🎭 **%s** joins the scene: %s. Mention me and name a character to talk to it (`@bot %s, hello`), or `/talk character:%s`.",
		who.Name, sc.names(), who.Name, who.Name)}
	if greeting != "" {
		r.then = func(ctx context.Context) { b.say(ctx, c.channelID, c.guildID, who, greeting) }
	}
	return r, nil
}

func (b *Bot) characterLeave(ctx context.Context, c *call) (reply, error) {
	name := c.str("name")
	var who activeCharacter
	sc, err := b.updateScene(ctx, c.channelID, func(cur scene, ok bool) (scene, error) {
		if !ok {
			return scene{}, userErrorf("No character was brought into this channel: `/character join` brings one.")
		}
		// By the name the scene keeps: a character deleted since can leave too.
		i := slices.IndexFunc(cur.Cast, func(m activeCharacter) bool {
			return strings.EqualFold(m.Name, name) || m.ID == name || (m.Nickname != "" && strings.EqualFold(m.Nickname, name))
		})
		if i < 0 {
			return scene{}, userErrorf("%q is not in this channel's scene (%s).", name, cur.names())
		}
		who = cur.Cast[i]
		cur.Cast = slices.Delete(cur.Cast, i, i+1)
		return cur, nil
	})
	if err != nil {
		return reply{}, err
	}
	if _, err := b.mcp.AddEvent(ctx, turn.NewEvent{
		Channel: c.channelID, Type: turn.EventCharacterExit, Character: who.ID, Impact: 2,
		Description: fmt.Sprintf("%s leaves the scene, sent off by %s.", who.Name, c.userName), Participants: []string{c.user.ID},
	}); err != nil {
		var te *turn.ToolError
		if !errors.As(err, &te) || te.Argument() != "character" { // a deleted character has no timeline to leave
			return reply{}, fmt.Errorf("record %s's exit: %w", who.Name, err)
		}
	}
	if len(sc.Cast) == 0 {
		return reply{content: fmt.Sprintf("👋 **%s** leaves. No character is chosen here now: `/character use` or `/character join` brings one.", who.Name)}, nil
	}
	return reply{content: fmt.Sprintf("👋 **%s** leaves the scene; %s remain.", who.Name, sc.names())}, nil
}

// say posts a character's line in a channel where no interaction carries
// it: through the webhook in a server channel, as the bot in a DM (which
// has no webhooks). A failure is logged: nobody is waiting for it.
func (b *Bot) say(ctx context.Context, channelID, guildID string, who activeCharacter, text string) {
	var err error
	if guildID == "" {
		err = b.speakAsBot(ctx, channelID, who, text)
	} else {
		err = b.speak(ctx, channelID, who, text)
	}
	if err != nil {
		b.discordFailed(ctx, "post "+who.Name+"'s line", err)
	}
}

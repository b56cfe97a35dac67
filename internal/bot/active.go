package bot

import (
	"context"
	"errors"

	"github.com/mojin/charsim/internal/turn"
)

// sceneIn returns the characters that answer in a channel: the scene set
// there with /character use and join or, when none was, the only character
// there is. Without a choice and with several characters, the user is
// asked to choose.
func (b *Bot) sceneIn(ctx context.Context, channelID string) (scene, error) {
	s, ok, err := b.channels.Get(ctx, channelID)
	if err != nil {
		b.logger.WarnContext(ctx, "cannot read the channel's characters", "channel", channelID, "error", err)
		return scene{}, userErrorf("The bot cannot read this channel's character right now (its Redis is unavailable); try again in a minute.")
	}
	if ok {
		return s, nil
	}
	all, err := b.mcp.ListCharacters(ctx)
	switch {
	case err != nil:
		return scene{}, err
	case len(all) == 0:
		return scene{}, userErrorf("There are no characters yet: create one with `/character create`.")
	case len(all) == 1:
		return scene{Cast: []activeCharacter{{ID: all[0].ID, Name: all[0].Name}}}, nil
	default:
		return scene{}, userErrorf("No character is active in this channel: choose one with `/character use` (`/character list` shows the %d characters).", len(all))
	}
}

// activeIn returns the character that answers in a channel when nobody is
// named: the lead of its scene.
func (b *Bot) activeIn(ctx context.Context, channelID string) (activeCharacter, error) {
	s, err := b.sceneIn(ctx, channelID)
	if err != nil {
		return activeCharacter{}, err
	}
	return s.lead(), nil
}

// forgotten turns "the active character is gone" (deleted on the MCP
// server since it was chosen) into advice.
func forgotten(c activeCharacter, err error) error {
	var te *turn.ToolError
	if errors.As(err, &te) && te.Argument() == "character" {
		return userErrorf("%s no longer exists on the character server: choose another with `/character use`.", c.Name)
	}
	return err
}

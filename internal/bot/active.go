package bot

import (
	"context"
	"errors"
)

// activeIn returns the character that answers in a channel: the one chosen
// there with /character use or, when none was, the only character there
// is. Without a choice and with several characters, the user is asked to
// choose.
func (b *Bot) activeIn(ctx context.Context, channelID string) (activeCharacter, error) {
	c, ok, err := b.channels.Get(ctx, channelID)
	if err != nil {
		b.logger.WarnContext(ctx, "cannot read the active character", "channel", channelID, "error", err)
		return activeCharacter{}, userErrorf("The bot cannot read this channel's character right now (its Redis is unavailable); try again in a minute.")
	}
	if ok {
		return c, nil
	}
	all, err := b.mcp.listCharacters(ctx)
	switch {
	case err != nil:
		return activeCharacter{}, err
	case len(all) == 0:
		return activeCharacter{}, userErrorf("There are no characters yet: create one with `/character create`.")
	case len(all) == 1:
		return activeCharacter{ID: all[0].ID, Name: all[0].Name}, nil
	default:
		return activeCharacter{}, userErrorf("No character is active in this channel: choose one with `/character use` (`/character list` shows the %d characters).", len(all))
	}
}

// forgotten turns "the active character is gone" (deleted on the MCP
// server since it was chosen) into advice.
func forgotten(c activeCharacter, err error) error {
	var te *toolError
	if errors.As(err, &te) && te.Argument() == "character" {
		return userErrorf("%s no longer exists on the character server: choose another with `/character use`.", c.Name)
	}
	return err
}

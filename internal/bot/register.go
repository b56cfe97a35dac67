package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/cenkalti/backoff/v5"
	"github.com/gorilla/websocket"
)

// applicationID asks Discord which application the token belongs to; the
// slash commands are registered on it.
func (b *Bot) applicationID() (string, error) {
	app, err := b.session.Application("@me")
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
		return "", errors.New("DISCORD_TOKEN was rejected by Discord (HTTP 401): copy the bot token again from the developer portal (Bot > Reset Token)")
	}
	if err != nil {
		return "", fmt.Errorf("look up the Discord application: %w", err)
	}
	return app.ID, nil
}

// register overwrites the application's slash commands with the bot's, in
// every guild of DISCORD_GUILD_IDS or else globally (then they also work in
// DMs with the bot). In guild mode the commands are also set globally for
// DMs with the bot only. Discord applies either at once; an open Discord
// client may show the old list until it is reloaded. Overwriting in bulk
// also removes the commands an older version had and this one has not.
func (b *Bot) register(ctx context.Context, appID string) error {
	if len(b.cfg.GuildIDs) == 0 {
		return b.overwriteCommands(ctx, appID, globalCommandDefinitions(), nil)
	}
	return b.overwriteCommands(ctx, appID, commandDefinitions(), dmCommandDefinitions())
}

// Unregister removes the bot's slash commands, where register put them.
func (b *Bot) Unregister(ctx context.Context) error {
	appID, err := b.applicationID()
	if err != nil {
		return err
	}
	none := []*discordgo.ApplicationCommand{}
	return b.overwriteCommands(ctx, appID, none, none)
}

// overwriteCommands sets commands in every scope (the guilds of
// DISCORD_GUILD_IDS, or globally) and, in guild mode, dm globally. A guild
// that refuses is logged with the reason and skipped: one wrong or stale ID
// must not keep the bot from the other servers. It fails only when every
// guild fails; a failure of the DM commands is logged, as DMs are a side
// door.
func (b *Bot) overwriteCommands(ctx context.Context, appID string, commands, dm []*discordgo.ApplicationCommand) error {
	if len(b.cfg.GuildIDs) == 0 {
		if _, err := b.session.ApplicationCommandBulkOverwrite(appID, "", commands, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("set the %d slash commands globally: %w", len(commands), err)
		}
		b.logger.Info("slash commands set", "guild", "", "commands", len(commands))
		return nil
	}
	var failed []error
	for _, guildID := range b.cfg.GuildIDs {
		_, err := b.session.ApplicationCommandBulkOverwrite(appID, guildID, commands, discordgo.WithContext(ctx))
		if err == nil {
			b.logger.Info("slash commands set", "guild", guildID, "commands", len(commands))
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("set the slash commands in guild %s: %w", guildID, err)
		}
		err = fmt.Errorf("set the %d slash commands in guild %s: %s: %w", len(commands), guildID, guildHint(err), err)
		b.logger.Warn("cannot set the slash commands in a server of DISCORD_GUILD_IDS; carrying on with the others",
			"guild", guildID, "error", err)
		failed = append(failed, err)
	}
	if len(failed) == len(b.cfg.GuildIDs) {
		return fmt.Errorf("the slash commands could be set in no server of DISCORD_GUILD_IDS: %w", errors.Join(failed...))
	}
	if _, err := b.session.ApplicationCommandBulkOverwrite(appID, "", dm, discordgo.WithContext(ctx)); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("set the slash commands for DMs: %w", err)
		}
		b.logger.Warn("cannot set the slash commands for DMs with the bot; they work in the servers only", "error", err)
		return nil
	}
	b.logger.Info("slash commands set for DMs with the bot", "commands", len(dm))
	return nil
}

// codeMissingAccess is Discord's JSON error code for a guild the app is
// not in, or was invited to without the applications.commands scope.
const codeMissingAccess = 50001

// guildHint says what to do about a guild that refused the commands.
func guildHint(err error) string {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Message != nil && rest.Message.Code == codeMissingAccess {
		return "the bot is not in this server, or was invited without the applications.commands scope " +
			"(invite it again with scope bot applications.commands, or remove the ID from DISCORD_GUILD_IDS)"
	}
	return "Discord refused"
}

// Gateway close codes after which reconnecting cannot help.
var fatalCloseCodes = map[int]string{
	4004: "DISCORD_TOKEN was rejected by the gateway (authentication failed: was the token reset in the developer portal? set DISCORD_TOKEN to the current one)",
	4010: "invalid shard",
	4011: "the bot is in too many guilds and needs sharding",
	4012: "invalid gateway API version",
	4013: "invalid intents",
	// This bot asks for no privileged intent, so only a build that asks for
	// one (an older version did, for Message Content) meets 4014.
	4014: "disallowed intents: a privileged intent was asked for that the developer portal has not turned on (charsim's bot needs none: run a current version)",
}

// openGateway connects to the gateway, retrying with backoff while the
// failure may pass (network, Discord outage). Later disconnections are
// reconnected the same way by Run.
func (b *Bot) openGateway(ctx context.Context) error {
	policy := backoff.NewExponentialBackOff()
	policy.InitialInterval, policy.MaxInterval = time.Second, time.Minute
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := b.session.Open()
		if errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			return struct{}{}, nil // a second Disconnect event raced a reconnection
		}
		var closed *websocket.CloseError
		if errors.As(err, &closed) {
			if why, fatal := fatalCloseCodes[closed.Code]; fatal {
				return struct{}{}, backoff.Permanent(fmt.Errorf("connect to the Discord gateway: %s (close code %d)", why, closed.Code))
			}
		}
		if err != nil {
			b.logger.Warn("cannot connect to the Discord gateway; retrying", "error", err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(policy), backoff.WithMaxElapsedTime(0))
	return err
}

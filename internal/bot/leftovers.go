package bot

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// maxLeftoverChecks bounds the guilds checked for leftover commands: one
// request each, and a bot in many guilds was hardly ever in guild mode in
// all of them.
const maxLeftoverChecks = 25

// warnLeftoverGuildCommands looks, in global mode, for slash commands that
// an earlier run in guild mode set in the guilds the bot is in: Discord
// shows those next to the global ones, each command twice. It warns and
// says how to remove them; deleting them unasked could remove what an
// operator wants.
func (b *Bot) warnLeftoverGuildCommands(_ *discordgo.Session, r *discordgo.Ready) {
	if len(b.cfg.GuildIDs) != 0 || r.Application == nil {
		return
	}
	guilds := r.Guilds[:min(len(r.Guilds), maxLeftoverChecks)]
	// Once: READY comes again with every new session.
	go b.leftoverCheck.Do(func() {
		ctx, cancel := context.WithTimeout(b.baseCtx, deliveryTimeout)
		defer cancel()
		for _, g := range guilds {
			cmds, err := b.session.ApplicationCommands(r.Application.ID, g.ID, discordgo.WithContext(ctx))
			if err != nil {
				b.logger.Debug("cannot list a guild's slash commands", "guild", g.ID, "error", redactedError{err})
				continue
			}
			if len(cmds) > 0 {
				b.logger.Warn("slash commands from guild registration are left in a server and show twice there; remove them with DISCORD_GUILD_IDS="+g.ID+" discord-bot --unregister, then start the bot again",
					"guild", g.ID, "commands", len(cmds))
			}
		}
	})
}

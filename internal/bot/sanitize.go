package bot

import (
	"strings"

	"github.com/bwmarrin/discordgo"
)

// noMentions is the AllowedMentions of every message the bot sends: an
// empty parse list, so nothing in a reply pings anyone — not @everyone,
// @here, a role or a user — whatever the model or a user wrote.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// mentionEscaper breaks mention syntax with a zero-width space, so that
// text which cannot ping (see noMentions) does not look like a ping either.
var mentionEscaper = strings.NewReplacer(
	"@everyone", "@\u200beveryone",
	"@here", "@\u200bhere",
	"<@", "<@\u200b",
)

// escapeMentions makes text safe to echo into Discord.
func escapeMentions(text string) string { return mentionEscaper.Replace(text) }

package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// onMessage answers a message that mentions the bot in a server channel,
// and any message in a direct conversation with the bot, as the channel's
// active character. Such replies are public (a message cannot be
// ephemeral), so errors are kept to one short line.
func (b *Bot) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot {
		return
	}
	botID := b.gateway.botUser()
	if botID == "" || (m.GuildID != "" && !mentions(m.Message, botID)) {
		return
	}
	done, ok := b.inflight.start()
	if !ok {
		return
	}
	defer done()
	ctx, cancel := context.WithTimeout(b.baseCtx, b.requestTimeout)
	defer cancel()
	defer b.recoverPanic(ctx, "message")

	content := b.answerMessage(ctx, m.Message, botID)
	ctx, cancelDelivery := delivery(ctx)
	defer cancelDelivery()
	chunks := messages(content)
	for i, chunk := range chunks {
		send := &discordgo.MessageSend{Content: chunk, AllowedMentions: noMentions()}
		if i == 0 {
			// A soft reference: if the user deleted their message meanwhile,
			// the answer is posted without the reply link instead of failing.
			send.Reference = m.SoftReference()
		}
		if _, err := b.session.ChannelMessageSendComplex(m.ChannelID, send, discordgo.WithContext(ctx)); err != nil {
			b.discordFailed(ctx, "send the reply", err)
			return
		}
	}
}

// answerMessage plays the turn and returns the text to post: the reply, or
// what went wrong.
func (b *Bot) answerMessage(ctx context.Context, m *discordgo.Message, botID string) string {
	text := strings.TrimSpace(strings.NewReplacer("<@"+botID+">", "", "<@!"+botID+">", "").Replace(m.Content))
	err := b.limits.check(ctx, m.Author.ID, m.ChannelID)
	switch n := utf8.RuneCountInString(text); {
	case err != nil:
	case n == 0:
		err = userErrorf("Say something after the mention, e.g. “@me hello”.")
	case n > maxMessageLength:
		err = userErrorf("Your message is too long: at most %d characters, got %d.", maxMessageLength, n)
	}
	if err != nil {
		return b.explain(ctx, sourceMention, err)
	}
	stopTyping := b.keepTyping(ctx, m.ChannelID)
	res, err := b.converse(ctx, turnRequest{
		ChannelID: m.ChannelID, UserID: m.Author.ID, UserName: displayName(m.Member, m.Author), Message: text,
	}, sourceMention)
	stopTyping()
	if err != nil {
		out, cancel := delivery(ctx) // ctx may have run out: the log entry must still be written
		defer cancel()
		return b.explain(out, sourceMention, err)
	}
	return turnText(res, "", "")
}

func mentions(m *discordgo.Message, userID string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == userID {
			return true
		}
	}
	return false
}

package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/turn"
)

// onMessage answers a message that mentions the bot in a server channel,
// and any message in a direct conversation with the bot, as the channel's
// active character, or, in a scene of several characters, as each one the
// message names. Such replies are public (a message cannot be ephemeral),
// so errors are kept to one short line.
func (b *Bot) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	// The loop guard: the characters' own lines come back as webhook
	// messages, and must never be answered (nor any bot's).
	if m.WebhookID != "" && b.webhooks.isOwnWebhook(m.WebhookID) {
		return
	}
	if m.Author == nil || m.Author.Bot || m.WebhookID != "" {
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

	if m.GuildID != "" {
		if sc, ok, err := b.channels.Get(ctx, m.ChannelID); err == nil && ok && len(sc.Cast) > 1 {
			b.answerScene(ctx, m.Message, botID, sc)
			return
		}
	}
	content := b.answerMessage(ctx, m.Message, botID)
	ctx, cancelDelivery := delivery(ctx)
	defer cancelDelivery()
	b.replyAsBot(ctx, m.Message, content)
}

// replyAsBot posts content as the bot's reply to m.
func (b *Bot) replyAsBot(ctx context.Context, m *discordgo.Message, content string) {
	for i, chunk := range messages(content) {
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

// answerScene lets every character the message addresses reply, in turn,
// each under its own name (see speak). An error stops the round and is
// posted as the bot's reply.
func (b *Bot) answerScene(ctx context.Context, m *discordgo.Message, botID string, sc scene) {
	text, err := b.mentionText(ctx, m, botID)
	if err != nil {
		out, cancel := delivery(ctx)
		defer cancel()
		b.replyAsBot(out, m, b.explain(out, sourceMention, err))
		return
	}
	var replyTo string
	if ref := m.ReferencedMessage; ref != nil && ref.WebhookID != "" && b.webhooks.isOwnWebhook(ref.WebhookID) && ref.Author != nil {
		replyTo = ref.Author.Username
	}
	for _, who := range addressed(text, sc, replyTo) {
		stopTyping := b.keepTyping(ctx, m.ChannelID)
		res, err := b.converseAs(ctx, who, turn.Request{
			ChannelID: m.ChannelID, UserID: m.Author.ID, UserName: displayName(m.Member, m.Author), Message: text,
		}, sourceMention)
		stopTyping()
		out, cancel := delivery(ctx)
		if err != nil {
			b.replyAsBot(out, m, b.explain(out, sourceMention, err))
			cancel()
			return
		}
		line := res.Reply
		if res.Offline {
			line = offlineLabel + "\n" + line
		}
		if err := b.speak(out, m.ChannelID, who, line); err != nil {
			b.discordFailed(out, "post "+who.Name+"'s reply", err)
			cancel()
			return
		}
		cancel()
	}
}

// mentionText is the message without the bot's mention, checked against
// the rate limits and the length caps.
func (b *Bot) mentionText(ctx context.Context, m *discordgo.Message, botID string) (string, error) {
	text := strings.TrimSpace(strings.NewReplacer("<@"+botID+">", "", "<@!"+botID+">", "").Replace(m.Content))
	if err := b.limits.check(ctx, m.Author.ID, m.ChannelID); err != nil {
		return "", err
	}
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "", userErrorf("Say something after the mention, e.g. “@me hello”.")
	case n > maxMessageLength:
		return "", userErrorf("Your message is too long: at most %d characters, got %d.", maxMessageLength, n)
	}
	return text, nil
}

// answerMessage plays the turn and returns the text to post: the reply, or
// what went wrong.
func (b *Bot) answerMessage(ctx context.Context, m *discordgo.Message, botID string) string {
	text, err := b.mentionText(ctx, m, botID)
	if err != nil {
		return b.explain(ctx, sourceMention, err)
	}
	stopTyping := b.keepTyping(ctx, m.ChannelID)
	res, err := b.converse(ctx, turn.Request{
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

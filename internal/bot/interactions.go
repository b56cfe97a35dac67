package bot

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// handler runs one command path.
type handler struct {
	// ephemeral replies are seen only by the caller.
	ephemeral bool
	// immediate handlers answer within Discord's 3 s deadline without
	// deferring; the others get a deferred response first ("thinking…")
	// and edit it when done.
	immediate bool
	run       func(ctx context.Context, c *call) (reply, error)
}

// reply is what a handler answers; long content becomes several messages.
type reply struct {
	content    string
	components []discordgo.MessageComponent
	// then runs once the reply is shown, e.g. a character's greeting that
	// must follow the announcement of its entrance.
	then func(ctx context.Context)
}

// call is one invocation of a slash command.
type call struct {
	path      string
	options   map[string]*discordgo.ApplicationCommandInteractionDataOption
	user      *discordgo.User
	userName  string
	channelID string
	guildID   string // "" in a DM
	// resolved holds the attachments of attachment options.
	resolved *discordgo.ApplicationCommandInteractionDataResolved
}

// str is the trimmed value of a string option, "" when absent.
// (discordgo's StringValue and IntValue panic on a value of another type.)
func (c *call) str(name string) string {
	if o, ok := c.options[name]; ok {
		s, _ := o.Value.(string)
		return strings.TrimSpace(s)
	}
	return ""
}

// attachment is the file of an attachment option, nil when absent: the
// option's value is its ID in the interaction's resolved data.
func (c *call) attachment(name string) *discordgo.MessageAttachment {
	o, ok := c.options[name]
	if !ok || c.resolved == nil {
		return nil
	}
	id, _ := o.Value.(string)
	return c.resolved.Attachments[id]
}

// integer is the value of an integer option, def when absent.
func (c *call) integer(name string, def int) int {
	if o, ok := c.options[name]; ok {
		if v, ok := o.Value.(float64); ok {
			return int(v)
		}
	}
	return def
}

// onInteraction receives every interaction from the gateway.
func (b *Bot) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	done, ok := b.inflight.start()
	if !ok {
		return // shutting down
	}
	defer done()
	ctx, cancel := context.WithTimeout(b.baseCtx, b.requestTimeout)
	defer cancel()
	defer b.recoverPanic(ctx, "interaction")
	switch ic.Type {
	case discordgo.InteractionApplicationCommand:
		b.handleCommand(ctx, ic.Interaction)
	case discordgo.InteractionMessageComponent:
		b.handleComponent(ctx, ic.Interaction)
	}
}

func (b *Bot) handleCommand(ctx context.Context, i *discordgo.Interaction) {
	c, h, err := b.parseCall(i)
	label := c.path
	if _, known := b.handlers[c.path]; !known {
		label = "unknown" // bounds the metric's label values
	}
	b.metrics.commands.WithLabelValues(label).Inc()
	if err == nil {
		err = b.limits.check(ctx, c.user.ID, c.channelID)
	}
	if err != nil {
		b.respond(ctx, i, reply{content: b.explain(ctx, c.path, err)}, true)
		return
	}
	if h.immediate {
		r, err := h.run(ctx, c)
		if err != nil {
			r, h.ephemeral = reply{content: b.explain(ctx, c.path, err)}, true
		}
		b.respond(ctx, i, r, h.ephemeral)
		b.afterReply(ctx, i, c, r)
		return
	}
	// The deferred response ("thinking…") goes out while the handler runs:
	// the handler's result waits for it, the handler need not.
	deferred := make(chan error, 1)
	go func() { deferred <- b.deferResponse(ctx, i, h.ephemeral) }()
	r, err := h.run(ctx, c)
	out, cancel := delivery(ctx)
	defer cancel()
	if derr := <-deferred; derr != nil {
		b.discordFailed(out, "defer the response", derr)
		return
	}
	if err != nil {
		b.failDeferred(out, i, h.ephemeral, b.explain(out, c.path, err))
		b.afterReply(out, i, c, reply{})
		return
	}
	b.finishDeferred(out, i, h.ephemeral, r)
	b.afterReply(out, i, c, r)
}

// afterReply runs what a reply left to do once shown, then tells the
// caller, privately and once per refusal, why the characters of the
// channel speak as the bot.
func (b *Bot) afterReply(ctx context.Context, i *discordgo.Interaction, c *call, r reply) {
	if r.then != nil {
		r.then(ctx)
	}
	if b.webhooks.takeNote(c.channelID) {
		b.followUp(ctx, i, []string{webhookNote}, true)
	}
}

// parseCall finds the handler of the interaction's command path and checks
// the options against the command's definition.
func (b *Bot) parseCall(i *discordgo.Interaction) (*call, handler, error) {
	data := i.ApplicationCommandData()
	user := interactionUser(i)
	c := &call{path: data.Name, options: map[string]*discordgo.ApplicationCommandInteractionDataOption{},
		user: user, userName: displayName(i.Member, user), channelID: i.ChannelID, guildID: i.GuildID, resolved: data.Resolved}
	opts := data.Options
	if len(opts) == 1 && opts[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		c.path += " " + opts[0].Name
		opts = opts[0].Options
	}
	for _, o := range opts {
		c.options[o.Name] = o
	}
	h, ok := b.handlers[c.path]
	defs, defined := b.paths[c.path]
	if !ok || !defined {
		return c, h, userErrorf("Unknown command `/%s`; the bot's commands may be out of date.", c.path)
	}
	return c, h, validateOptions(c, defs)
}

// validateOptions checks the options against their definitions — names,
// types, required options, string lengths and integer ranges — and names
// the option at fault. Discord's client checks the same; a request need not
// come from it.
func validateOptions(c *call, defs []*discordgo.ApplicationCommandOption) error {
	byName := make(map[string]*discordgo.ApplicationCommandOption, len(defs))
	for _, def := range defs {
		byName[def.Name] = def
	}
	for name, o := range c.options {
		def, ok := byName[name]
		if !ok {
			return userErrorf("Unknown option `%s` for `/%s`.", name, c.path)
		}
		if o.Type != def.Type {
			return userErrorf("`%s` must be %s.", name, typeName(def.Type))
		}
	}
	for _, def := range defs {
		o, given := c.options[def.Name]
		switch def.Type {
		case discordgo.ApplicationCommandOptionString:
			var value string
			if given {
				s, ok := o.Value.(string)
				if !ok {
					return userErrorf("`%s` must be text.", def.Name)
				}
				value = strings.TrimSpace(s)
			}
			switch n := utf8.RuneCountInString(value); {
			case def.Required && n == 0:
				return userErrorf("`%s` must not be empty.", def.Name)
			case def.MaxLength > 0 && n > def.MaxLength:
				return userErrorf("`%s` is too long: at most %d characters, got %d.", def.Name, def.MaxLength, n)
			}
		case discordgo.ApplicationCommandOptionAttachment:
			if def.Required && c.attachment(def.Name) == nil {
				return userErrorf("`%s` must be an attached file.", def.Name)
			}
		case discordgo.ApplicationCommandOptionInteger:
			if !given {
				if def.Required {
					return userErrorf("`%s` is required.", def.Name)
				}
				continue
			}
			v, ok := o.Value.(float64)
			if !ok || v != math.Trunc(v) {
				return userErrorf("`%s` must be a whole number.", def.Name)
			}
			lo := math.Inf(-1)
			if def.MinValue != nil {
				lo = *def.MinValue
			}
			if v < lo || v > def.MaxValue {
				return userErrorf("`%s` must be from %g to %g, got %g.", def.Name, lo, def.MaxValue, v)
			}
		}
	}
	return nil
}

func typeName(t discordgo.ApplicationCommandOptionType) string {
	switch t {
	case discordgo.ApplicationCommandOptionInteger:
		return "a whole number"
	case discordgo.ApplicationCommandOptionAttachment:
		return "an attached file"
	}
	return "text"
}

func interactionUser(i *discordgo.Interaction) *discordgo.User {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User
	}
	if i.User != nil {
		return i.User
	}
	return &discordgo.User{}
}

// displayName is what the server shows for the user: nickname, global
// display name or username.
func displayName(m *discordgo.Member, u *discordgo.User) string {
	if m != nil && m.Nick != "" {
		return m.Nick
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// respond answers an interaction at once.
func (b *Bot) respond(ctx context.Context, i *discordgo.Interaction, r reply, ephemeral bool) {
	chunks := messages(r.content)
	err := b.session.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: chunks[0], Components: r.components, AllowedMentions: noMentions(), Flags: flags(ephemeral),
		},
	}, discordgo.WithContext(ctx))
	if err != nil {
		b.discordFailed(ctx, "respond", err)
		return
	}
	b.followUp(ctx, i, chunks[1:], ephemeral)
}

func (b *Bot) deferResponse(ctx context.Context, i *discordgo.Interaction, ephemeral bool) error {
	return b.session.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: flags(ephemeral)},
	}, discordgo.WithContext(ctx))
}

// finishDeferred replaces the "thinking…" message with the reply, and
// sends what does not fit in it as follow-up messages.
func (b *Bot) finishDeferred(ctx context.Context, i *discordgo.Interaction, ephemeral bool, r reply) {
	chunks := messages(r.content)
	edit := &discordgo.WebhookEdit{Content: &chunks[0], AllowedMentions: noMentions()}
	if r.components != nil {
		edit.Components = &r.components
	}
	if _, err := b.session.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx)); err != nil {
		b.discordFailed(ctx, "edit the deferred response", err)
		return
	}
	b.followUp(ctx, i, chunks[1:], ephemeral)
}

// failedPublicly replaces a deferred public response that could not be
// deleted: it says nothing of the error, which only the caller sees.
const failedPublicly = "⚠️ That did not work; the reason was shown only to the person who asked."

// failDeferred shows an error after a deferred response. A deferred public
// response cannot turn ephemeral, so it is deleted and the error follows as
// an ephemeral message: only the caller sees it. If the delete fails, the
// "thinking…" message must be replaced before the follow-up: Discord would
// otherwise put the follow-up in its place, public, whatever its flags.
func (b *Bot) failDeferred(ctx context.Context, i *discordgo.Interaction, ephemeral bool, msg string) {
	msg = escapeMentions(msg)
	if ephemeral {
		if _, err := b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &msg, AllowedMentions: noMentions()},
			discordgo.WithContext(ctx)); err != nil {
			b.discordFailed(ctx, "show the error", err)
		}
		return
	}
	if err := b.session.InteractionResponseDelete(i, discordgo.WithContext(ctx)); err != nil {
		b.discordFailed(ctx, "delete the deferred response", err)
		public := failedPublicly
		if _, err := b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &public, AllowedMentions: noMentions()},
			discordgo.WithContext(ctx)); err != nil {
			// The loading message is still there: a follow-up would make
			// the error public, so the caller sees Discord's own failure.
			b.discordFailed(ctx, "replace the deferred response", err)
			return
		}
	}
	b.followUp(ctx, i, []string{msg}, true)
}

func (b *Bot) followUp(ctx context.Context, i *discordgo.Interaction, chunks []string, ephemeral bool) {
	for _, chunk := range chunks {
		if _, err := b.session.FollowupMessageCreate(i, true, &discordgo.WebhookParams{
			Content: chunk, AllowedMentions: noMentions(), Flags: flags(ephemeral),
		}, discordgo.WithContext(ctx)); err != nil {
			b.discordFailed(ctx, "send a follow-up message", err)
			return
		}
	}
}

// messages prepares content for Discord: mentions escaped, split into
// messages that fit.
func messages(content string) []string {
	chunks := splitMessage(escapeMentions(content), discordMessageLimit)
	if len(chunks) == 0 {
		return []string{"(no content)"}
	}
	return chunks
}

func flags(ephemeral bool) discordgo.MessageFlags {
	if ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

// recoverPanic keeps a bug in a handler from ending the process (discordgo
// runs handlers without recovering): the panic is logged with its stack.
func (b *Bot) recoverPanic(ctx context.Context, event string) {
	if p := recover(); p != nil {
		b.metrics.errors.WithLabelValues("internal").Inc()
		b.logger.ErrorContext(ctx, "panic while handling a Discord event", "event", event, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

// discordFailed logs a failed Discord REST call: nobody can be told.
func (b *Bot) discordFailed(ctx context.Context, what string, err error) {
	b.metrics.errors.WithLabelValues("discord").Inc()
	b.logger.ErrorContext(ctx, "discord request failed", "action", what, "error", redactedError{err})
}

// handleComponent handles button clicks.
func (b *Bot) handleComponent(ctx context.Context, i *discordgo.Interaction) {
	id := i.MessageComponentData().CustomID
	switch id {
	case forgetConfirmID:
		b.metrics.commands.WithLabelValues("button " + id).Inc()
		b.confirmForget(ctx, i)
	case forgetCancelID:
		b.metrics.commands.WithLabelValues("button " + id).Inc()
		b.updateMessage(ctx, i, "Nothing was deleted.")
	default:
		b.metrics.commands.WithLabelValues("button unknown").Inc()
		b.updateMessage(ctx, i, fmt.Sprintf("⚠️ This button (%q) is not known to this version of the bot.", id))
	}
}

// updateMessage replaces the message a button belongs to, removing the buttons.
func (b *Bot) updateMessage(ctx context.Context, i *discordgo.Interaction, content string) {
	err := b.session.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{
			Content: escapeMentions(content), Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions(),
		},
	}, discordgo.WithContext(ctx))
	if err != nil {
		b.discordFailed(ctx, "update the message", err)
	}
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The characters of a scene speak through one webhook per channel, made by
// the bot's application and reused for every character: the username and
// avatar are set per message, so Discord's cap of 15 webhooks per channel
// never matters. Without the Manage Webhooks permission the bot speaks as
// itself, with the character's name in bold, and tells the next person who
// uses a slash command there which permission is missing.

// webhookName is the name of the bot's channel webhooks, as the channel
// settings list them.
const webhookName = "charsim characters"

// Discord's JSON error codes of webhooks.
const (
	codeUnknownWebhook     = 10015
	codeMissingPermissions = 50013
)

// deniedRetry is how long a channel that refused webhooks is spoken to as
// the bot before webhooks are tried again (the permission may be granted
// meanwhile).
const deniedRetry = 10 * time.Minute

// webhookNote tells a user how to give the characters their own names and
// avatars.
const webhookNote = "ℹ️ The characters here speak as the bot, because it lacks the **Manage Webhooks** permission in this channel. " +
	"Grant it (Server Settings → Roles → the bot's role, or this channel's permissions) and each character posts under its own name and avatar."

// channelWebhooks caches the bot's webhook of each channel and remembers
// the channels that refused one.
type channelWebhooks struct {
	mu     sync.Mutex
	hooks  map[string]*discordgo.Webhook
	denied map[string]time.Time
	// noted holds channels where a refusal has not been explained yet.
	noted map[string]bool
	// create serialises lookups and creations, so that two replies at once
	// never make two webhooks in one channel.
	create sync.Mutex
}

func newChannelWebhooks() *channelWebhooks {
	return &channelWebhooks{hooks: map[string]*discordgo.Webhook{}, denied: map[string]time.Time{}, noted: map[string]bool{}}
}

// isOwnWebhook reports whether id is the webhook the bot posts through
// somewhere.
func (w *channelWebhooks) isOwnWebhook(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range w.hooks {
		if h.ID == id {
			return true
		}
	}
	return false
}

func (w *channelWebhooks) cached(channelID string) (*discordgo.Webhook, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h, ok := w.hooks[channelID]
	return h, ok
}

func (w *channelWebhooks) forget(channelID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.hooks, channelID)
}

func (w *channelWebhooks) deny(channelID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.denied[channelID] = time.Now()
	w.noted[channelID] = true
}

func (w *channelWebhooks) isDenied(channelID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	at, ok := w.denied[channelID]
	if ok && time.Since(at) > deniedRetry {
		delete(w.denied, channelID)
		return false
	}
	return ok
}

// takeNote reports, once per refusal, that a channel's users have not been
// told yet why the characters speak as the bot.
func (w *channelWebhooks) takeNote(channelID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.noted[channelID] {
		return false
	}
	delete(w.noted, channelID)
	return true
}

// errNoWebhooks means the bot may not use webhooks in a channel.
var errNoWebhooks = errors.New("missing the Manage Webhooks permission")

// channelWebhook returns the bot's webhook of a channel: the cached one,
// else the one its application made there earlier, else a new one.
func (b *Bot) channelWebhook(ctx context.Context, channelID string) (*discordgo.Webhook, error) {
	if h, ok := b.webhooks.cached(channelID); ok {
		return h, nil
	}
	if b.webhooks.isDenied(channelID) {
		return nil, errNoWebhooks
	}
	b.webhooks.create.Lock()
	defer b.webhooks.create.Unlock()
	if h, ok := b.webhooks.cached(channelID); ok {
		return h, nil
	}
	hooks, err := b.session.ChannelWebhooks(channelID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.webhookRefused(channelID, fmt.Errorf("list the webhooks of channel %s: %w", channelID, err))
	}
	var hook *discordgo.Webhook
	for _, h := range hooks {
		// A webhook another app or a member made has no token for the bot
		// (or is not the bot's to reuse).
		if h.ApplicationID == b.appID && h.Token != "" {
			hook = h
			break
		}
	}
	if hook == nil {
		if hook, err = b.session.WebhookCreate(channelID, webhookName, "", discordgo.WithContext(ctx)); err != nil {
			return nil, b.webhookRefused(channelID, fmt.Errorf("create a webhook in channel %s: %w", channelID, err))
		}
		b.logger.InfoContext(ctx, "webhook created", "channel", channelID, "webhook", hook.ID)
	}
	b.webhooks.mu.Lock()
	b.webhooks.hooks[channelID] = hook
	b.webhooks.mu.Unlock()
	return hook, nil
}

// webhookRefused turns a refusal for lack of permission into errNoWebhooks
// and remembers it.
func (b *Bot) webhookRefused(channelID string, err error) error {
	if discordCode(err) == codeMissingPermissions || discordStatus(err) == http.StatusForbidden {
		b.webhooks.deny(channelID)
		return fmt.Errorf("%w: %w", errNoWebhooks, err)
	}
	return err
}

func discordCode(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Message != nil {
		return rest.Message.Code
	}
	return 0
}

func discordStatus(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil {
		return rest.Response.StatusCode
	}
	return 0
}

// speak posts a character's text in a guild channel: through the channel's
// webhook under the character's name and avatar, or, where webhooks are
// refused, as the bot with the name in bold.
func (b *Bot) speak(ctx context.Context, channelID string, who activeCharacter, text string) error {
	hook, err := b.channelWebhook(ctx, channelID)
	if errors.Is(err, errNoWebhooks) {
		b.logger.InfoContext(ctx, "speaking as the bot: no webhooks in this channel", "channel", channelID, "error", redactedError{err})
		return b.speakAsBot(ctx, channelID, who, text)
	}
	if err != nil {
		return err
	}
	err = b.executeWebhook(ctx, hook, who, text)
	if discordCode(err) == codeUnknownWebhook {
		// Deleted in the channel settings since: make a new one.
		b.logger.InfoContext(ctx, "the channel's webhook is gone; making a new one", "channel", channelID, "webhook", hook.ID)
		b.webhooks.forget(channelID)
		if hook, err = b.channelWebhook(ctx, channelID); errors.Is(err, errNoWebhooks) {
			return b.speakAsBot(ctx, channelID, who, text)
		} else if err != nil {
			return err
		}
		err = b.executeWebhook(ctx, hook, who, text)
	}
	return err
}

func (b *Bot) executeWebhook(ctx context.Context, hook *discordgo.Webhook, who activeCharacter, text string) error {
	for _, chunk := range messages(text) {
		if _, err := b.session.WebhookExecute(hook.ID, hook.Token, true, &discordgo.WebhookParams{
			Content: chunk, Username: webhookUsername(who.Name), AvatarURL: b.avatarURL(who.ID), AllowedMentions: noMentions(),
		}, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("post as %s through the channel's webhook: %w", who.Name, err)
		}
	}
	return nil
}

// speakAsBot is the fallback: the bot's own message, the name in bold.
func (b *Bot) speakAsBot(ctx context.Context, channelID string, who activeCharacter, text string) error {
	for _, chunk := range messages("**" + who.Name + "**: " + text) {
		if _, err := b.session.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: chunk, AllowedMentions: noMentions()},
			discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("post as %s: %w", who.Name, err)
		}
	}
	return nil
}

// avatarURL is where Discord fetches a character's avatar from: the MCP
// server's public /avatars route under AVATAR_BASE_URL; "" (the webhook's
// default avatar) without one.
func (b *Bot) avatarURL(characterID string) string {
	if b.cfg.AvatarBaseURL == "" {
		return ""
	}
	return b.cfg.AvatarBaseURL + "/avatars/" + characterID + ".png"
}

// webhookUsername makes a character's name acceptable as a webhook
// username: Discord refuses names containing "discord" or "clyde" and the
// names "everyone" and "here", so a zero-width space breaks those words up,
// and names are cut at 80 characters.
func webhookUsername(name string) string {
	for _, word := range []string{"discord", "clyde"} {
		for i := indexASCIIFold(name, word); i >= 0; i = indexASCIIFold(name, word) {
			name = name[:i+1] + "\u200b" + name[i+1:]
		}
	}
	if strings.EqualFold(name, "everyone") || strings.EqualFold(name, "here") {
		name = name[:1] + "\u200b" + name[1:]
	}
	return truncate(name, maxNameLength)
}

// indexASCIIFold finds the ASCII word in s in any letter case; byte
// offsets stay those of s (strings.ToLower may change them).
func indexASCIIFold(s, word string) int {
	for i := 0; i+len(word) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(word)], word) {
			return i
		}
	}
	return -1
}

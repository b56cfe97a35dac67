package discordfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Channel webhooks, as Discord has them: a bot with the Manage Webhooks
// permission creates and lists a channel's webhooks; anyone with a
// webhook's token executes it, with the username and avatar of the message
// overridden. A channel holds at most 15 webhooks.

// Discord's error codes of webhooks.
const (
	codeMissingPermissions = 50013
	codeMaxWebhooks        = 30007
	codeEmptyMessage       = 50006
	maxChannelWebhooks     = 15
	maxWebhookNameLength   = 80
)

// Webhook is a channel webhook as the emulator keeps it.
type Webhook struct {
	ID, Token, ChannelID, Name string
	// ApplicationID is the app that created it; empty for one made by a
	// user in the channel settings.
	ApplicationID string
}

func (h Webhook) discordgo() *discordgo.Webhook {
	return &discordgo.Webhook{
		ID: h.ID, Token: h.Token, ChannelID: h.ChannelID, Name: h.Name, ApplicationID: h.ApplicationID,
		Type: discordgo.WebhookTypeIncoming,
	}
}

// SetManageWebhooks grants or revokes the bot's Manage Webhooks permission
// (in every channel). Without it Discord answers 403 Missing Permissions to
// creating and listing webhooks; executing one needs only its token. A new
// emulator has it revoked, as the default invite URL does not ask for it.
func (s *Server) SetManageWebhooks(granted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.manageWebhooks = granted
}

// Webhooks returns the webhooks of a channel, oldest first.
func (s *Server) Webhooks(channelID string) []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channelWebhooks(channelID)
}

// channelWebhooks lists a channel's webhooks; call with mu held.
func (s *Server) channelWebhooks(channelID string) []Webhook {
	var out []Webhook
	for _, id := range s.webhookOrder {
		if h, ok := s.webhooks[id]; ok && h.ChannelID == channelID {
			out = append(out, *h)
		}
	}
	return out
}

// AddUserWebhook adds a webhook a member made in the channel settings: it
// belongs to no application.
func (s *Server) AddUserWebhook(channelID, name string) Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addWebhook(channelID, name, "")
}

func (s *Server) addWebhook(channelID, name, appID string) Webhook {
	h := &Webhook{ID: s.newID(), ChannelID: channelID, Name: name, ApplicationID: appID}
	h.Token = "webhook-token-" + h.ID
	s.webhooks[h.ID] = h
	s.webhookOrder = append(s.webhookOrder, h.ID)
	s.notify()
	return *h
}

// DeleteWebhook deletes a webhook, as a member can in the channel settings
// at any time; executing it then fails with 10015 Unknown Webhook.
func (s *Server) DeleteWebhook(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.webhooks, id)
	s.notify()
}

// permitted answers 403 Missing Permissions without Manage Webhooks.
func (s *Server) permitted(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.manageWebhooks {
		writeError(w, http.StatusForbidden, codeMissingPermissions, "Missing Permissions")
		return false
	}
	return true
}

// validWebhookName checks a webhook's name or a message's username as
// Discord does: 1 to 80 characters, not containing "clyde" or "discord",
// and not "everyone" or "here".
func validWebhookName(field, name string) error {
	n := utf8.RuneCountInString(name)
	lower := strings.ToLower(name)
	switch {
	case n < 1 || n > maxWebhookNameLength:
		return fmt.Errorf("%s: Must be between 1 and %d in length.", field, maxWebhookNameLength)
	case strings.Contains(lower, "clyde"), strings.Contains(lower, "discord"):
		return fmt.Errorf("%s: Username cannot contain \"clyde\" or \"discord\"", field)
	case lower == "everyone", lower == "here":
		return fmt.Errorf("%s: Username cannot be \"everyone\" or \"here\"", field)
	}
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: "+err.Error())
		return
	}
	if !s.permitted(w) {
		return
	}
	if err := validWebhookName("name", body.Name); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: "+err.Error())
		return
	}
	channel := r.PathValue("channel")
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.channelWebhooks(channel)) >= maxChannelWebhooks {
		writeError(w, http.StatusBadRequest, codeMaxWebhooks, fmt.Sprintf("Maximum number of webhooks reached (%d)", maxChannelWebhooks))
		return
	}
	h := s.addWebhook(channel, body.Name, s.AppID)
	writeJSON(w, http.StatusOK, h.discordgo())
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	if !s.permitted(w) {
		return
	}
	s.mu.Lock()
	hooks := s.channelWebhooks(r.PathValue("channel"))
	s.mu.Unlock()
	out := []*discordgo.Webhook{}
	for _, h := range hooks {
		out = append(out, h.discordgo())
	}
	writeJSON(w, http.StatusOK, out)
}

// webhookBody is the part of an execute payload the emulator reads.
type webhookBody struct {
	messageBody
	Username  string `json:"username"`
	AvatarURL string `json:"avatar_url"`
}

// executeWebhook posts a message through a webhook and dispatches its
// MESSAGE_CREATE, whose author is the webhook under the message's
// username, flagged as a bot, with webhook_id set.
func (s *Server) executeWebhook(w http.ResponseWriter, r *http.Request) {
	var body webhookBody
	if !decodeMessage(w, r, &body) || !body.valid(w) {
		return
	}
	if body.Content == nil || strings.TrimSpace(*body.Content) == "" {
		writeError(w, http.StatusBadRequest, codeEmptyMessage, "Cannot send an empty message")
		return
	}
	if body.Username != "" {
		if err := validWebhookName("username", body.Username); err != nil {
			writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: "+err.Error())
			return
		}
	}
	if body.AvatarURL != "" {
		if u, err := url.Parse(body.AvatarURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: avatar_url: Not a well formed URL.")
			return
		}
	}
	s.mu.Lock()
	h, ok := s.webhooks[r.PathValue("app")]
	switch {
	case !ok:
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, codeUnknownWebhook, "Unknown Webhook")
		return
	case h.Token != r.PathValue("token"):
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, codeInvalidWebhookToken, "Invalid Webhook Token")
		return
	}
	m := Message{ID: s.newID(), ChannelID: h.ChannelID, Sent: time.Now(), WebhookID: h.ID,
		Username: cmp.Or(body.Username, h.Name), AvatarURL: body.AvatarURL}
	body.apply(&m)
	s.messages[h.ChannelID] = append(s.messages[h.ChannelID], m)
	s.notify()
	gatewayUp := s.gateway != nil
	s.mu.Unlock()

	event := m.discordgo()
	event.WebhookID = h.ID
	event.Author = &discordgo.User{ID: h.ID, Username: m.Username, Bot: true}
	if gatewayUp {
		_ = s.SendMessage(event) // a gateway that went away misses the event, as a real one would
	}
	if r.URL.Query().Get("wait") != "true" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, event)
}

// followupOrExecute routes POST /webhooks/{id}/{token}: an application ID
// with an interaction token is a follow-up message, any other ID a channel
// webhook.
func (s *Server) followupOrExecute(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("app") == s.AppID {
		s.followup(w, r)
		return
	}
	s.executeWebhook(w, r)
}

// WebhookMessages returns the messages posted through webhooks in a channel.
func (s *Server) WebhookMessages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(s.messages[channelID]), func(m Message) bool { return m.WebhookID == "" })
}

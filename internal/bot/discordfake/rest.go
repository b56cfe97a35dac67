package discordfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/bwmarrin/discordgo"
)

// Discord's JSON error codes the emulator uses.
const (
	codeUnknownMessage      = 10008
	codeUnknownWebhook      = 10015
	codeUnknownInteraction  = 10062
	codeAlreadyAcked        = 40060
	codeMissingAccess       = 50001
	codeInvalidWebhookToken = 50027
	codeInvalidForm         = 50035
	maxContentLength        = 2000
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway/", s.serveGateway)
	api := "/api/v" + discordgo.APIVersion
	mux.HandleFunc("GET "+api+"/gateway", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway"})
	})
	mux.Handle("GET "+api+"/oauth2/applications/@me", s.bot(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"id": s.AppID, "name": "charsim", "bot": map[string]any{"id": s.BotUserID}})
	}))
	mux.Handle("PUT "+api+"/applications/{app}/commands", s.bot(s.putCommands))
	mux.Handle("PUT "+api+"/applications/{app}/guilds/{guild}/commands", s.bot(s.putCommands))
	mux.Handle("GET "+api+"/applications/{app}/commands", s.bot(s.getCommands))
	mux.Handle("GET "+api+"/applications/{app}/guilds/{guild}/commands", s.bot(s.getCommands))
	mux.HandleFunc("POST "+api+"/interactions/{id}/{token}/callback", s.callback)
	mux.HandleFunc("PATCH "+api+"/webhooks/{app}/{token}/messages/{message}", s.editMessage)
	mux.HandleFunc("DELETE "+api+"/webhooks/{app}/{token}/messages/{message}", s.deleteMessage)
	mux.HandleFunc("POST "+api+"/webhooks/{app}/{token}", s.followupOrExecute)
	mux.Handle("POST "+api+"/channels/{channel}/webhooks", s.bot(s.createWebhook))
	mux.Handle("GET "+api+"/channels/{channel}/webhooks", s.bot(s.listWebhooks))
	mux.HandleFunc("GET /attachments/{channel}/{id}/{filename}", s.serveAttachment)
	mux.Handle("POST "+api+"/channels/{channel}/messages", s.bot(s.createMessage))
	mux.Handle("POST "+api+"/channels/{channel}/typing", s.bot(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		channel := r.PathValue("channel")
		s.typing[channel] = append(s.typing[channel], time.Now())
		s.notify()
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	return s.faults(mux)
}

// bot guards an endpoint that needs the bot token.
func (s *Server) bot(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bot "+s.token() {
			writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		if app := r.PathValue("app"); app != "" && app != s.AppID {
			writeError(w, http.StatusForbidden, codeMissingAccess, "Missing Access")
			return
		}
		next(w, r)
	})
}

// inGuild answers 403 Missing Access, as Discord does, for a guild the app
// is not in (or was invited to without the applications.commands scope).
func (s *Server) inGuild(w http.ResponseWriter, guild string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if guild != "" && !s.guilds[guild] {
		writeError(w, http.StatusForbidden, codeMissingAccess, "Missing Access")
		return false
	}
	return true
}

func (s *Server) putCommands(w http.ResponseWriter, r *http.Request) {
	var cmds []*discordgo.ApplicationCommand
	if err := json.NewDecoder(r.Body).Decode(&cmds); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: "+err.Error())
		return
	}
	guild := r.PathValue("guild")
	if !s.inGuild(w, guild) {
		return
	}
	if err := validateCommands(cmds); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: "+err.Error())
		return
	}
	for _, c := range cmds {
		c.ID, c.ApplicationID, c.GuildID = s.newID(), s.AppID, guild
	}
	s.mu.Lock()
	s.commands[guild] = cmds
	s.notify()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) getCommands(w http.ResponseWriter, r *http.Request) {
	if !s.inGuild(w, r.PathValue("guild")) {
		return
	}
	writeJSON(w, http.StatusOK, s.Commands(r.PathValue("guild")))
}

// messageBody is the part of a message payload the emulator reads.
type messageBody struct {
	Content          *string                           `json:"content"`
	Flags            discordgo.MessageFlags            `json:"flags"`
	Components       *[]component                      `json:"components"`
	AllowedMentions  *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	MessageReference *discordgo.MessageReference       `json:"message_reference"`
}

// decodeMessage reads and checks a message payload.
func decodeMessage(w http.ResponseWriter, r *http.Request, into any) bool {
	if err := json.NewDecoder(r.Body).Decode(into); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: "+err.Error())
		return false
	}
	return true
}

// valid checks a message payload's content and components (under prefix,
// "data" for a callback), answering 50035 Invalid Form Body with the
// errors tree when they fail.
func (b *messageBody) valid(w http.ResponseWriter, prefix ...string) bool {
	errs := formErrors{}
	if b.Content != nil && len(utf16.Encode([]rune(*b.Content))) > maxContentLength {
		errs.add(append(slices.Clone(prefix), "content"), "BASE_TYPE_MAX_LENGTH", tooLong(maxContentLength))
	}
	if b.Components != nil {
		validateComponents(*b.Components, b.Flags, append(slices.Clone(prefix), "components"), errs)
	}
	return !errs.write(w)
}

// apply writes a payload onto m, leaving what the payload omits unchanged.
func (b messageBody) apply(m *Message) {
	if b.Content != nil {
		m.Content = *b.Content
	}
	if b.Components != nil {
		m.CustomIDs = customIDs(*b.Components)
	}
	if b.AllowedMentions != nil {
		m.AllowedMentions = b.AllowedMentions
	}
}

func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data *messageBody                      `json:"data"`
	}
	if !decodeMessage(w, r, &body) {
		return
	}
	if !knownCallbackTypes[body.Type] {
		errs := formErrors{}
		errs.add([]string{"type"}, "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.")
		errs.write(w)
		return
	}
	if body.Data != nil && body.Type != discordgo.InteractionResponseModal && !body.Data.valid(w, "data") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[r.PathValue("id")]
	if !ok || in.Token != r.PathValue("token") {
		writeError(w, http.StatusNotFound, codeUnknownInteraction, "Unknown interaction")
		return
	}
	if len(in.Callbacks) > 0 {
		writeError(w, http.StatusBadRequest, codeAlreadyAcked, "Interaction has already been acknowledged.")
		return
	}
	// Discord forgets an interaction that is not answered within the
	// initial-response deadline; the user sees "The application did not
	// respond".
	delay := time.Since(in.created)
	if delay > s.InitialResponseDeadline {
		in.Late++
		s.notify()
		writeError(w, http.StatusNotFound, codeUnknownInteraction, "Unknown interaction")
		return
	}
	if !callbackAllowed(in.kind, body.Type) {
		writeError(w, http.StatusBadRequest, codeInvalidForm, fmt.Sprintf("Invalid Form Body: type: callback type %d is not valid for this interaction", body.Type))
		return
	}
	in.Callbacks, in.CallbackDelay = append(in.Callbacks, body.Type), delay
	switch body.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource:
		m := Message{ID: s.newID(), ChannelID: in.channelID}
		if body.Data != nil {
			m.Ephemeral = body.Data.Flags&discordgo.MessageFlagsEphemeral != 0
			body.Data.apply(&m)
		}
		in.Original = &m
		in.loading = body.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource
	case discordgo.InteractionResponseUpdateMessage:
		// The message the button belongs to changes; the emulator keeps it
		// as this interaction's original.
		m := Message{ID: s.newID(), ChannelID: in.channelID}
		if body.Data != nil {
			body.Data.apply(&m)
		}
		in.Original = &m
	case discordgo.InteractionResponseDeferredMessageUpdate:
		in.Original = &Message{ID: s.newID(), ChannelID: in.channelID}
	}
	s.notify()
	w.WriteHeader(http.StatusNoContent)
}

// callbackAllowed reports whether Discord accepts a callback of type t for
// an interaction of kind: updating "the message" exists only for a
// component's message.
func callbackAllowed(kind discordgo.InteractionType, t discordgo.InteractionResponseType) bool {
	switch t {
	case discordgo.InteractionResponsePong:
		return kind == discordgo.InteractionPing
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource:
		return kind != discordgo.InteractionPing && kind != discordgo.InteractionApplicationCommandAutocomplete
	case discordgo.InteractionResponseUpdateMessage, discordgo.InteractionResponseDeferredMessageUpdate:
		return kind == discordgo.InteractionMessageComponent || kind == discordgo.InteractionModalSubmit
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		return kind == discordgo.InteractionApplicationCommandAutocomplete
	case discordgo.InteractionResponseModal:
		return kind == discordgo.InteractionApplicationCommand || kind == discordgo.InteractionMessageComponent
	}
	return false // premium required (deprecated) and launch activity: not for this bot
}

// knownCallbackTypes are the interaction callback types Discord knows;
// any other fails the form's type field.
var knownCallbackTypes = map[discordgo.InteractionResponseType]bool{1: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true, 10: true, 12: true}

// acknowledged finds the interaction of a webhook token; Discord accepts
// webhook calls only after the callback.
func (s *Server) acknowledged(w http.ResponseWriter, r *http.Request) (*interaction, bool) {
	in, ok := s.byToken[r.PathValue("token")]
	if !ok || r.PathValue("app") != s.AppID || len(in.Callbacks) == 0 {
		writeError(w, http.StatusNotFound, codeUnknownWebhook, "Unknown Webhook")
		return nil, false
	}
	if time.Since(in.created) > s.TokenLifetime {
		writeError(w, http.StatusUnauthorized, codeInvalidWebhookToken, "Invalid Webhook Token")
		return nil, false
	}
	return in, true
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) {
	var body messageBody
	if !decodeMessage(w, r, &body) || !body.valid(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.acknowledged(w, r)
	if !ok {
		return
	}
	m := in.message(r.PathValue("message"))
	if m == nil {
		writeError(w, http.StatusNotFound, codeUnknownMessage, "Unknown Message")
		return
	}
	body.apply(m)
	in.Edits++
	if m == in.Original {
		in.loading = false
	}
	s.notify()
	writeJSON(w, http.StatusOK, m.discordgo())
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.acknowledged(w, r)
	if !ok {
		return
	}
	m := in.message(r.PathValue("message"))
	if m == nil {
		writeError(w, http.StatusNotFound, codeUnknownMessage, "Unknown Message")
		return
	}
	m.Deleted = true
	if m == in.Original {
		in.loading = false
	}
	s.notify()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) followup(w http.ResponseWriter, r *http.Request) {
	var body messageBody
	if !decodeMessage(w, r, &body) || !body.valid(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.acknowledged(w, r)
	if !ok {
		return
	}
	if in.loading {
		// Discord: the first follow-up after a deferred response replaces
		// the "thinking…" message and keeps its flags: an ephemeral flag on
		// the follow-up cannot hide a public loading message.
		body.apply(in.Original)
		in.loading = false
		s.notify()
		writeJSON(w, http.StatusOK, in.Original.discordgo())
		return
	}
	m := Message{ID: s.newID(), ChannelID: in.channelID, Ephemeral: body.Flags&discordgo.MessageFlagsEphemeral != 0}
	body.apply(&m)
	in.Followups = append(in.Followups, m)
	s.notify()
	writeJSON(w, http.StatusOK, m.discordgo())
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	var body messageBody
	if !decodeMessage(w, r, &body) || !body.valid(w) {
		return
	}
	channel := r.PathValue("channel")
	m := Message{ID: s.newID(), ChannelID: channel, Sent: time.Now()}
	body.apply(&m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref := body.MessageReference; ref != nil {
		// A reply to a message that is gone fails, unless the reference
		// says fail_if_not_exists: false; then it is sent as a plain message.
		switch exists := s.userMessages[ref.MessageID]; {
		case exists:
			m.ReplyTo = ref.MessageID
		case ref.FailIfNotExists == nil || *ref.FailIfNotExists:
			writeError(w, http.StatusBadRequest, codeInvalidForm, "Invalid Form Body: message_reference: Unknown message")
			return
		}
	}
	s.messages[channel] = append(s.messages[channel], m)
	s.notify()
	writeJSON(w, http.StatusOK, m.discordgo())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"code": code, "message": message})
}

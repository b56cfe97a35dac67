package console

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/turn"
)

// Limits of the Play page's input.
const (
	maxPlayMessage = 4000
	maxChannelLen  = 100
	// playHistory is how many messages of the conversation are shown.
	playHistory = 12
)

// consolePrefix starts the user and default channel IDs of the console's
// players, so that they never collide with Discord's numeric IDs.
const consolePrefix = "console-"

type playData struct {
	// Available is false when the server gave the console no pipeline.
	Available  bool
	Responder  string
	Notice     string
	Characters []store.Character
	// DisplayName is the name kept in the session; empty asks for one.
	DisplayName string
	Character   string
	Channel     string
	// DefaultChannel is the channel used when none is given.
	DefaultChannel string
	Message        string
	Error          string
	Turn           *playedTurn
	History        []playLine
}

// playedTurn is what the page shows of a turn: the reply and what it changed.
type playedTurn struct {
	turn.Result
	ReplyLines       []string
	TimelineURL      string
	MemoriesURL      string
	RelationshipsURL string
}

// playLine is one message of the conversation as shown.
type playLine struct {
	Speaker string
	Lines   []string
	Mine    bool
}

// play shows the Play page: who the user is, whom they talk to, where, and
// the conversation so far.
func (c *Console) play(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.renderPlay(w, r, http.StatusOK, sessionOf(r).displayName,
		strings.TrimSpace(q.Get("character")), strings.TrimSpace(q.Get("channel")), "", "", nil)
}

// playTurn plays the user's message through the turn pipeline and shows
// the reply with what the turn changed.
func (c *Console) playTurn(w http.ResponseWriter, r *http.Request) {
	if c.deps.Turns == nil {
		http.Error(w, "404 not found: this server plays no turns in the console", http.StatusNotFound)
		return
	}
	s := sessionOf(r)
	f := newForm(r)
	name := f.text("name", maxNameLen, s.displayName == "")
	if name == "" {
		name = s.displayName
	}
	characterID := f.text("character", maxIDLen, true)
	channel := f.text("channel", maxChannelLen, false)
	message := f.text("message", maxPlayMessage, true)
	if strings.ContainsFunc(channel, unicode.IsSpace) {
		f.fail("channel", "must not contain spaces")
	}
	if err := f.err(); err != nil {
		c.renderPlay(w, r, http.StatusUnprocessableEntity, name, characterID, channel, message, err.Error(), nil)
		return
	}
	if name != s.displayName {
		c.sessions.setDisplayName(s.id, name)
	}
	if channel == "" {
		channel = consolePrefix + slug(name)
	}
	res, err := c.deps.Turns.Take(r.Context(), turn.Request{
		Character: characterID, ChannelID: channel, UserID: consolePrefix + slug(name), UserName: name, Message: message,
	})
	if err != nil {
		c.renderPlay(w, r, http.StatusUnprocessableEntity, name, characterID, channel, message, c.turnError(r, err), nil)
		return
	}
	played := &playedTurn{
		Result:           res,
		ReplyLines:       strings.Split(res.Reply, "\n"),
		TimelineURL:      c.timelineURL(channel, "", timelineFilter{}),
		MemoriesURL:      c.base + "memories?" + urlValues("character", res.CharacterID, "user", consolePrefix+slug(name)),
		RelationshipsURL: c.base + "relationships?" + urlValues("character", res.CharacterID, "target", consolePrefix+slug(name)),
	}
	c.renderPlay(w, r, http.StatusOK, name, res.CharacterID, channel, "", "", played)
}

// turnError is what the page says about a failed turn: the server's or the
// model's explanation when there is one, else a generic failure (logged).
func (c *Console) turnError(r *http.Request, err error) string {
	var (
		toolErr   *turn.ToolError
		llmStatus *turn.LLMStatusError
	)
	switch {
	case errors.As(err, &toolErr):
		return "The server refused the turn: " + toolErr.Message
	case errors.Is(err, turn.ErrLLMTimeout):
		return "The language model did not answer in time (LLM_TIMEOUT); try again."
	case errors.As(err, &llmStatus):
		return "The language model answered with an error: " + llmStatus.Error()
	}
	c.deps.Logger.Error("console turn failed", "path", r.URL.Path, "error", err)
	return "The turn failed; the server logged the details."
}

func (c *Console) renderPlay(w http.ResponseWriter, r *http.Request, status int, name, characterID, channel, message, problem string, played *playedTurn) {
	ctx := r.Context()
	d := playData{
		Available: c.deps.Turns != nil, Responder: c.deps.Responder, Notice: turn.OfflineNotice,
		DisplayName: name, Character: characterID, Channel: channel, Message: message, Error: problem, Turn: played,
	}
	if name != "" {
		d.DefaultChannel = consolePrefix + slug(name)
	}
	var err error
	if d.Characters, err = c.deps.Store.ListCharacters(ctx); err != nil {
		c.fail(w, r, err)
		return
	}
	// A name instead of an ID (a deep link) selects that character too.
	for _, ch := range d.Characters {
		if strings.EqualFold(ch.Name, characterID) {
			d.Character = ch.ID
		}
	}
	conversation := cmp.Or(channel, d.DefaultChannel)
	if i := slices.IndexFunc(d.Characters, func(ch store.Character) bool { return ch.ID == d.Character }); i >= 0 && conversation != "" {
		msgs, err := c.deps.Store.RecentMessages(ctx, d.Character, conversation, playHistory)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		for _, m := range msgs {
			line := playLine{Speaker: d.Characters[i].Name, Lines: strings.Split(m.Content, "\n")}
			if m.Role == turn.RoleUser {
				line.Speaker, line.Mine = name, true
				if m.UserID != consolePrefix+slug(name) {
					line.Speaker = m.UserID
				}
			}
			d.History = append(d.History, line)
		}
	}
	c.render(w, r, status, "play", "play", "Play", d)
}

// slug makes a display name into the ID part of a console user: lower-case
// letters and digits, other runs as one dash.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "player"
	}
	return b.String()
}

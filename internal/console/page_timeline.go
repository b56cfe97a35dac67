package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

// timelineFilter narrows which events the explorer highlights and lists.
type timelineFilter struct {
	Type      string
	Character string
	MinImpact int
	Text      string
}

func (f timelineFilter) active() bool { return f != timelineFilter{} }

func (f timelineFilter) matches(e placedEvent) bool {
	return (f.Type == "" || string(e.Type) == f.Type) &&
		(f.Character == "" || e.CharacterID == f.Character || slices.Contains(e.Participants, f.Character)) &&
		e.Impact >= f.MinImpact &&
		(f.Text == "" || containsFold(e.Description, f.Text))
}

type timelineData struct {
	Channels   []string
	Channel    string
	Tree       svgTree
	Path       []placedEvent
	Selected   *placedEvent
	Matches    []placedEvent
	Filter     timelineFilter
	Branches   []store.Branch
	Characters []store.Character
	Names      map[string]string
	EventTypes []store.EventType
	Error      string
	// Form refills the add form after an error.
	Form store.TimelineEvent
}

// timeline is the explorer: without a channel the list of channels, with
// one its tree, the path through the selected event, the inspector and the
// forms.
func (c *Console) timeline(w http.ResponseWriter, r *http.Request) {
	c.renderTimeline(w, r, http.StatusOK, r.URL.Query(), "", store.TimelineEvent{})
}

func (c *Console) renderTimeline(w http.ResponseWriter, r *http.Request, status int, q url.Values, problem string, form store.TimelineEvent) {
	ctx := r.Context()
	d := timelineData{Channel: strings.TrimSpace(q.Get("channel")), EventTypes: store.EventTypes, Error: problem, Form: form}
	var err error
	if d.Channels, err = c.deps.Store.ListChannels(ctx); err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Characters, err = c.deps.Store.ListCharacters(ctx); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Names = characterNames(d.Characters)
	if d.Channel == "" {
		c.render(w, r, status, "timeline", "timeline", "Timeline", d)
		return
	}
	d.Filter = timelineFilter{Type: q.Get("type"), Character: q.Get("character"), Text: strings.TrimSpace(q.Get("q"))}
	if n, err := strconv.Atoi(q.Get("impact")); err == nil {
		d.Filter.MinImpact = n
	}
	events, err := c.deps.Store.ChannelEvents(ctx, d.Channel)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Branches, err = c.deps.Store.ListBranches(ctx, d.Channel); err != nil {
		c.fail(w, r, err)
		return
	}
	tree := layoutTree(events)
	heads := map[string][]string{}
	for _, b := range d.Branches {
		heads[b.HeadEventID] = append(heads[b.HeadEventID], b.Name)
	}
	selected := q.Get("event")
	if _, ok := tree.get(selected); !ok {
		selected = defaultSelection(tree, d.Branches)
	}
	d.Path = tree.path(selected)
	onPath := make(map[string]bool, len(d.Path))
	for _, e := range d.Path {
		onPath[e.ID] = true
	}
	if e, ok := tree.get(selected); ok {
		d.Selected = &e
	}
	link := func(id string) string { return c.timelineURL(d.Channel, id, d.Filter) }
	d.Tree = drawTree(tree, selected, onPath, d.Filter.matches, link, heads)
	if d.Filter.active() {
		for _, e := range tree.Events {
			if d.Filter.matches(e) {
				d.Matches = append(d.Matches, e)
			}
		}
	}
	c.render(w, r, status, "timeline", "timeline", "Timeline of "+d.Channel, d)
}

// defaultSelection is the head of main, else of the first branch, else the
// newest event.
func defaultSelection(t storyTree, branches []store.Branch) string {
	for _, b := range branches {
		if b.Name == store.DefaultBranch && b.HeadEventID != "" {
			return b.HeadEventID
		}
	}
	for _, b := range branches {
		if b.HeadEventID != "" {
			return b.HeadEventID
		}
	}
	if len(t.Events) > 0 {
		return t.Events[len(t.Events)-1].ID
	}
	return ""
}

// timelineURL links to the explorer with a selection, keeping the filters.
func (c *Console) timelineURL(channel, event string, f timelineFilter) string {
	v := url.Values{"channel": {channel}}
	if event != "" {
		v.Set("event", event)
	}
	if f.Type != "" {
		v.Set("type", f.Type)
	}
	if f.Character != "" {
		v.Set("character", f.Character)
	}
	if f.MinImpact != 0 {
		v.Set("impact", strconv.Itoa(f.MinImpact))
	}
	if f.Text != "" {
		v.Set("q", f.Text)
	}
	return c.base + "timeline?" + v.Encode()
}

func characterNames(cs []store.Character) map[string]string {
	names := make(map[string]string, len(cs))
	for _, ch := range cs {
		names[ch.ID] = ch.Name
	}
	return names
}

// eventAdd appends an event to a branch's head (a new channel starts on main).
func (c *Console) eventAdd(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	e := store.TimelineEvent{
		ChannelID:   f.text("channel", maxIDLen, true),
		Branch:      f.text("branch", maxNameLen, false),
		CharacterID: f.text("character", maxIDLen, false),
		Type:        oneOf(f, "type", store.EventTypes),
		Impact:      f.integer("impact", store.MinImpact, store.MaxImpact),
		Description: f.text("description", maxTextLen, true),
	}
	err := f.err()
	if err == nil {
		var added store.TimelineEvent
		if added, err = c.deps.Store.AddEvent(r.Context(), e); err == nil {
			c.flash(r, "Added the event to "+added.Branch+".")
			c.redirect(w, r, c.timelineURL(added.ChannelID, added.ID, timelineFilter{}))
			return
		}
		err = errors.New(c.userError(r, err))
	}
	c.renderTimeline(w, r, http.StatusUnprocessableEntity, url.Values{"channel": {e.ChannelID}}, err.Error(), e)
}

// pathEvent reads the event named by the {id} path value; when it cannot,
// it has answered (404, or the store's error) and ok is false.
func (c *Console) pathEvent(w http.ResponseWriter, r *http.Request) (_ store.TimelineEvent, ok bool) {
	e, err := c.deps.Store.GetEvent(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "404 not found: no event with this ID", http.StatusNotFound)
		return e, false
	} else if err != nil {
		c.fail(w, r, err)
		return e, false
	}
	return e, true
}

// eventUpdate is the inspector's save: type, impact and text.
func (c *Console) eventUpdate(w http.ResponseWriter, r *http.Request) {
	old, ok := c.pathEvent(w, r)
	if !ok {
		return
	}
	var err error
	f := newForm(r)
	typ := oneOf(f, "type", store.EventTypes)
	impact := f.integer("impact", store.MinImpact, store.MaxImpact)
	text := f.text("description", maxTextLen, true)
	if err = f.err(); err == nil {
		if _, err = c.deps.Store.UpdateEvent(r.Context(), old.ID, store.EventPatch{Type: &typ, Impact: &impact, Description: &text}); err == nil {
			c.flash(r, "Saved the event.")
			c.redirect(w, r, c.timelineURL(old.ChannelID, old.ID, timelineFilter{}))
			return
		}
		err = errors.New(c.userError(r, err))
	}
	c.renderTimeline(w, r, http.StatusUnprocessableEntity, url.Values{"channel": {old.ChannelID}, "event": {old.ID}}, err.Error(), store.TimelineEvent{})
}

// eventBranch starts a named branch at the event ("branch from here").
func (c *Console) eventBranch(w http.ResponseWriter, r *http.Request) {
	old, ok := c.pathEvent(w, r)
	if !ok {
		return
	}
	var err error
	f := newForm(r)
	name := f.text("name", maxNameLen, true)
	if err = f.err(); err == nil {
		if _, err = c.deps.Store.BranchTimeline(r.Context(), old.ID, name); err == nil {
			c.flash(r, "Started branch "+name+"; add events to it below.")
			c.redirect(w, r, c.timelineURL(old.ChannelID, old.ID, timelineFilter{}))
			return
		}
		err = errors.New(c.userError(r, err))
	}
	c.renderTimeline(w, r, http.StatusUnprocessableEntity, url.Values{"channel": {old.ChannelID}, "event": {old.ID}}, err.Error(), store.TimelineEvent{})
}

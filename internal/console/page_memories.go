package console

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// memoryPageSize is the number of memories on one page of the list.
const memoryPageSize = 25

// Sort orders of the memory list.
var memorySorts = []string{"newest", "oldest", "importance"}

// memoryQuery is the memory page's filters, sort and page, from the URL.
type memoryQuery struct {
	Character, User, Kind string
	MinImportance         int
	After, Before         string
	Sort                  string
	Search                string
	Page                  int
}

func parseMemoryQuery(q url.Values) memoryQuery {
	mq := memoryQuery{
		Character: q.Get("character"), User: strings.TrimSpace(q.Get("user")), Kind: q.Get("kind"),
		After: q.Get("after"), Before: q.Get("before"), Sort: q.Get("sort"), Search: strings.TrimSpace(q.Get("q")),
	}
	mq.MinImportance, _ = strconv.Atoi(q.Get("importance"))
	mq.Page, _ = strconv.Atoi(q.Get("page"))
	mq.Page = max(mq.Page, 1)
	if !slices.Contains(memorySorts, mq.Sort) {
		mq.Sort = memorySorts[0]
	}
	return mq
}

// URL is the list's URL as it is shown.
func (mq memoryQuery) URL(base string) string { return mq.url(base, mq.Page) }

// url is the list's URL with these settings on another page.
func (mq memoryQuery) url(base string, page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"character": mq.Character, "user": mq.User, "kind": mq.Kind,
		"after": mq.After, "before": mq.Before, "q": mq.Search} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if mq.MinImportance > 0 {
		v.Set("importance", strconv.Itoa(mq.MinImportance))
	}
	if mq.Sort != memorySorts[0] {
		v.Set("sort", mq.Sort)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return base + "memories?" + v.Encode()
}

// memoryRow is one listed memory; Score is set for search results.
type memoryRow struct {
	store.Memory
	Score *memory.Recalled
}

type memoryListData struct {
	Query      memoryQuery
	Rows       []memoryRow
	Total      int
	Prev, Next string
	Characters []store.Character
	Names      map[string]string
	Kinds      []store.MemoryKind
	Sorts      []string
	Error      string
}

// memoryList lists memories by the filters or, with a search text, ranks
// them with the real recall (which needs a character) and shows its parts.
func (c *Console) memoryList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mq := parseMemoryQuery(r.URL.Query())
	chars, err := c.deps.Store.ListCharacters(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := memoryListData{Query: mq, Characters: chars, Names: characterNames(chars), Kinds: store.MemoryKinds, Sorts: memorySorts}
	rows, err := c.findMemories(r, mq)
	var bad *queryError
	switch {
	case errors.As(err, &bad):
		d.Error = err.Error()
		c.render(w, r, http.StatusBadRequest, "memories", "memories", "Memories", d)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	d.Total = len(rows)
	start := min((mq.Page-1)*memoryPageSize, len(rows))
	d.Rows = rows[start:min(start+memoryPageSize, len(rows))]
	if mq.Page > 1 {
		d.Prev = mq.url(c.base, mq.Page-1)
	}
	if start+memoryPageSize < len(rows) {
		d.Next = mq.url(c.base, mq.Page+1)
	}
	c.render(w, r, http.StatusOK, "memories", "memories", "Memories", d)
}

// queryError is a filter the user has to fix.
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

// findMemories applies the query. The importance filter and the sort run
// here rather than in SQL: the console pages through one character's (or
// one store's) memories, which fit in memory.
func (c *Console) findMemories(r *http.Request, mq memoryQuery) ([]memoryRow, error) {
	after, err := queryDate("after", mq.After, false)
	if err != nil {
		return nil, &queryError{err.Error()}
	}
	before, err := queryDate("before", mq.Before, true)
	if err != nil {
		return nil, &queryError{err.Error()}
	}
	if mq.Kind != "" && !slices.Contains(store.MemoryKinds, store.MemoryKind(mq.Kind)) {
		return nil, &queryError{fmt.Sprintf("kind: must be one of %v, got %q", store.MemoryKinds, clip(mq.Kind))}
	}
	if !after.IsZero() && !before.IsZero() && after.After(before) {
		return nil, &queryError{"after: must not be later than before"}
	}
	var rows []memoryRow
	if mq.Search != "" {
		if mq.Character == "" {
			return nil, &queryError{"character: choose a character to search its memories (recall ranks one character's memories)"}
		}
		found, err := c.deps.Memory.Recall(r.Context(), memory.Query{Text: mq.Search, Limit: memory.MaxRecallLimit, Filter: memory.Filter{
			CharacterID: mq.Character, UserID: mq.User, Kind: store.MemoryKind(mq.Kind), After: after, Before: before,
		}})
		if errors.Is(err, store.ErrInvalid) {
			return nil, &queryError{err.Error()}
		} else if err != nil {
			return nil, err
		}
		for i := range found {
			if found[i].Memory.Importance >= mq.MinImportance {
				rows = append(rows, memoryRow{Memory: found[i].Memory, Score: &found[i]})
			}
		}
		return rows, nil // in recall's order
	}
	list, err := c.deps.Store.ListMemories(r.Context(), store.MemoryFilter{
		CharacterID: mq.Character, UserID: mq.User, Kind: store.MemoryKind(mq.Kind), After: after, Before: before,
	})
	if errors.Is(err, store.ErrInvalid) {
		return nil, &queryError{err.Error()}
	} else if err != nil {
		return nil, err
	}
	for _, m := range list {
		if m.Importance >= mq.MinImportance {
			rows = append(rows, memoryRow{Memory: m})
		}
	}
	switch mq.Sort {
	case "oldest":
		slices.Reverse(rows)
	case "importance":
		slices.SortStableFunc(rows, func(a, b memoryRow) int { return cmp.Compare(b.Importance, a.Importance) })
	}
	return rows, nil
}

type memoryEditData struct {
	Memory store.Memory
	Name   string
	Kinds  []store.MemoryKind
	Error  string
}

func (c *Console) loadMemory(w http.ResponseWriter, r *http.Request) (store.Memory, bool) {
	m, err := c.deps.Store.GetMemory(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "404 not found: no memory with this ID", http.StatusNotFound)
		return m, false
	case err != nil:
		c.fail(w, r, err)
		return m, false
	}
	return m, true
}

func (c *Console) memoryEdit(w http.ResponseWriter, r *http.Request) {
	if m, ok := c.loadMemory(w, r); ok {
		c.renderMemoryEdit(w, r, http.StatusOK, m, "")
	}
}

func (c *Console) renderMemoryEdit(w http.ResponseWriter, r *http.Request, status int, m store.Memory, problem string) {
	name := m.CharacterID
	if ch, err := c.deps.Store.GetCharacter(r.Context(), m.CharacterID); err == nil {
		name = ch.Name
	}
	c.render(w, r, status, "memory", "memories", "Memory", memoryEditData{Memory: m, Name: name, Kinds: store.MemoryKinds, Error: problem})
}

// memoryUpdate saves an edit through the memory service, which embeds the
// new text again.
func (c *Console) memoryUpdate(w http.ResponseWriter, r *http.Request) {
	old, ok := c.loadMemory(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	m := old
	m.Text = f.text("text", maxTextLen, true)
	m.Kind = oneOf(f, "kind", store.MemoryKinds)
	m.Importance = f.integer("importance", store.MinImportance, store.MaxImportance)
	m.Tags = f.list("tags")
	err := f.err()
	if err == nil {
		if _, err = c.deps.Memory.Update(r.Context(), old.ID, store.MemoryPatch{Text: &m.Text, Kind: &m.Kind, Importance: &m.Importance, Tags: &m.Tags}); err == nil {
			c.flash(r, "Saved the memory.")
			c.redirect(w, r, c.base+"memories/"+old.ID)
			return
		}
		err = errors.New(c.userError(r, err))
	}
	c.renderMemoryEdit(w, r, http.StatusUnprocessableEntity, m, err.Error())
}

type memoryForgetData struct {
	Memories []store.Memory
	Names    map[string]string
	// Missing counts selected IDs that no longer exist.
	Missing int
	Return  string
}

// memoryForget forgets the selected memories in two steps: without
// confirm=yes it shows exactly what is selected and asks; with it, it
// forgets those IDs and no other.
func (c *Console) memoryForget(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "400 bad request: the form could not be read", http.StatusBadRequest)
		return
	}
	ids := slices.Compact(slices.Sorted(slices.Values(r.PostForm["id"])))
	ids = slices.DeleteFunc(ids, func(id string) bool { return strings.TrimSpace(id) == "" })
	back := c.base + "memories"
	if ret := r.PostFormValue("return"); strings.HasPrefix(ret, c.base+"memories") && !strings.Contains(ret, "//") {
		back = ret
	}
	switch {
	case len(ids) == 0:
		c.flash(r, "Select at least one memory to forget.")
		c.redirect(w, r, back)
		return
	case len(ids) > maxSelected:
		http.Error(w, fmt.Sprintf("400 bad request: id: at most %d memories can be forgotten at once, got %d", maxSelected, len(ids)), http.StatusBadRequest)
		return
	}
	found, err := c.deps.Store.GetMemories(r.Context(), ids)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	slices.SortFunc(found, func(a, b store.Memory) int { return cmp.Compare(a.ID, b.ID) })
	if r.PostFormValue("confirm") != "yes" {
		chars, err := c.deps.Store.ListCharacters(r.Context())
		if err != nil {
			c.fail(w, r, err)
			return
		}
		c.render(w, r, http.StatusOK, "memory_forget", "memories", "Forget memories",
			memoryForgetData{Memories: found, Names: characterNames(chars), Missing: len(ids) - len(found), Return: back})
		return
	}
	forgotten := 0
	for _, m := range found {
		if err := c.deps.Memory.Forget(r.Context(), m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			c.fail(w, r, fmt.Errorf("forget %d of %d selected memories, then: %w", forgotten, len(found), err))
			return
		}
		forgotten++
	}
	c.flash(r, fmt.Sprintf("Forgot %d memories.", forgotten))
	c.redirect(w, r, back)
}

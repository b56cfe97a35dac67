package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mojin/charsim/internal/store"
)

type characterListData struct {
	Query      string
	Characters []store.Character
	// Form is the create form, refilled after an error.
	Form  store.Character
	Error string
}

type characterEditData struct {
	Character store.Character
	State     store.CharacterState
	Error     string
	// StateError is the state form's error, shown next to it.
	StateError string
}

// characterList lists the characters whose name or persona contains the
// query, with the create form.
func (c *Console) characterList(w http.ResponseWriter, r *http.Request) {
	c.renderCharacterList(w, r, http.StatusOK, store.Character{}, "")
}

func (c *Console) renderCharacterList(w http.ResponseWriter, r *http.Request, status int, form store.Character, problem string) {
	all, err := c.deps.Store.ListCharacters(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	shown := all[:0:0]
	for _, ch := range all {
		if q == "" || containsFold(ch.Name, q) || containsFold(ch.Personality, q) || containsFold(ch.Background, q) {
			shown = append(shown, ch)
		}
	}
	c.render(w, r, status, "characters", "characters", "Characters",
		characterListData{Query: q, Characters: shown, Form: form, Error: problem})
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// personaForm reads the persona fields of the create and edit forms.
func personaForm(f *form) store.Character {
	return store.Character{
		Name:           f.text("name", maxNameLen, true),
		Personality:    f.text("personality", maxTextLen, false),
		Background:     f.text("background", maxTextLen, false),
		SpeechPatterns: f.text("speech_patterns", maxTextLen, false),
		Goals:          f.list("goals"),
		Style:          f.text("style", maxTextLen, false),
	}
}

func (c *Console) characterCreate(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	ch := personaForm(f)
	if err := f.err(); err != nil {
		c.renderCharacterList(w, r, http.StatusUnprocessableEntity, ch, err.Error())
		return
	}
	created, err := c.deps.Store.CreateCharacter(r.Context(), ch)
	if err != nil {
		c.renderCharacterList(w, r, http.StatusUnprocessableEntity, ch, c.userError(r, fmt.Errorf("create character %q: %w", ch.Name, err)))
		return
	}
	c.flash(r, "Created "+created.Name+".")
	c.redirect(w, r, c.base+"characters/"+created.ID)
}

// loadCharacter answers 404 for an unknown ID and reports whether it found one.
func (c *Console) loadCharacter(w http.ResponseWriter, r *http.Request) (store.Character, bool) {
	ch, err := c.deps.Store.GetCharacter(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "404 not found: no character with this ID", http.StatusNotFound)
		return ch, false
	case err != nil:
		c.fail(w, r, err)
		return ch, false
	}
	return ch, true
}

func (c *Console) characterEdit(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.loadCharacter(w, r)
	if ok {
		c.renderCharacterEdit(w, r, http.StatusOK, characterEditData{Character: ch})
	}
}

func (c *Console) renderCharacterEdit(w http.ResponseWriter, r *http.Request, status int, d characterEditData) {
	st, err := c.deps.Store.GetCharacterState(r.Context(), d.Character.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if d.StateError == "" {
		d.State = st
	}
	d.State.CharacterID = d.Character.ID
	c.render(w, r, status, "character", "characters", d.Character.Name, d)
}

func (c *Console) characterUpdate(w http.ResponseWriter, r *http.Request) {
	old, ok := c.loadCharacter(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	ch := personaForm(f)
	ch.ID, ch.CreatedAt = old.ID, old.CreatedAt
	if err := f.err(); err != nil {
		c.renderCharacterEdit(w, r, http.StatusUnprocessableEntity, characterEditData{Character: ch, Error: err.Error()})
		return
	}
	_, err := c.deps.Store.UpdateCharacter(r.Context(), old.ID, store.CharacterPatch{
		Name: &ch.Name, Personality: &ch.Personality, Background: &ch.Background,
		SpeechPatterns: &ch.SpeechPatterns, Goals: &ch.Goals, Style: &ch.Style,
	})
	if err != nil {
		c.renderCharacterEdit(w, r, http.StatusUnprocessableEntity, characterEditData{Character: ch, Error: c.userError(r, err)})
		return
	}
	c.flash(r, "Saved the persona of "+ch.Name+".")
	c.redirect(w, r, c.base+"characters/"+old.ID)
}

// characterState sets the character's current state.
func (c *Console) characterState(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.loadCharacter(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	st := store.CharacterState{
		CharacterID: ch.ID,
		Emotion:     f.text("emotion", maxNameLen, true),
		Energy:      f.integer("energy", store.MinEnergy, store.MaxEnergy),
		Location:    f.text("location", maxNameLen, false),
		Goals:       f.list("state_goals"),
		Inventory:   f.list("inventory"),
	}
	err := f.err()
	if err == nil {
		_, err = c.deps.Store.UpdateCharacterState(r.Context(), ch.ID, store.StatePatch{
			Emotion: &st.Emotion, Energy: &st.Energy, Location: &st.Location, Goals: &st.Goals, Inventory: &st.Inventory,
		})
		if err != nil {
			err = errors.New(c.userError(r, err))
		}
	}
	if err != nil {
		c.renderCharacterEdit(w, r, http.StatusUnprocessableEntity, characterEditData{Character: ch, State: st, StateError: err.Error()})
		return
	}
	c.flash(r, "Saved the state of "+ch.Name+".")
	c.redirect(w, r, c.base+"characters/"+ch.ID)
}

type characterDeleteData struct {
	Character store.Character
	Counts    deletionCounts
}

// deletionCounts is what deleting a character takes with it.
type deletionCounts struct {
	Memories, Relationships int
}

// characterDeleteConfirm is the confirm step: what will go, and one button.
func (c *Console) characterDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.loadCharacter(w, r)
	if !ok {
		return
	}
	memories, err := c.deps.Store.ListMemories(r.Context(), store.MemoryFilter{CharacterID: ch.ID})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	rels, err := c.deps.Store.ListRelationships(r.Context(), ch.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "character_delete", "characters", "Delete "+ch.Name,
		characterDeleteData{Character: ch, Counts: deletionCounts{Memories: len(memories), Relationships: len(rels)}})
}

// characterDelete deletes through the memory service, so the vectors go
// too (in Qdrant as well).
func (c *Console) characterDelete(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.loadCharacter(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		c.redirect(w, r, c.base+"characters/"+ch.ID+"/delete")
		return
	}
	if err := c.deps.Memory.DeleteCharacter(r.Context(), ch.ID); err != nil {
		c.fail(w, r, err)
		return
	}
	c.flash(r, "Deleted "+ch.Name+" with its memories, state and relationships.")
	c.redirect(w, r, c.base+"characters")
}

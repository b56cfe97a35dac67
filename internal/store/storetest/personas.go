package storetest

import (
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

var personaTests = []contractTest{
	{"PersonaSetGetReplace", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		requireIs(t, second(s.GetPersona(ctx, "u1")), store.ErrNotFound)
		p := must(s.SetPersona(ctx, store.Persona{UserID: " u1 ", Name: "  Robin  ", Description: "A stowaway.", UpdatedAt: at(0)}))(t)
		if p.UserID != "u1" || p.Name != "Robin" || p.Description != "A stowaway." || !p.UpdatedAt.Equal(stored(at(0))) {
			t.Fatalf("SetPersona = %+v", p)
		}
		if got := must(s.GetPersona(ctx, "u1"))(t); got != p {
			t.Fatalf("GetPersona = %+v, want %+v", got, p)
		}
		// Setting again replaces the whole persona.
		must(s.SetPersona(ctx, store.Persona{UserID: "u1", Name: "Robin the Bold", UpdatedAt: at(5)}))(t)
		got := must(s.GetPersona(ctx, "u1"))(t)
		if got.Name != "Robin the Bold" || got.Description != "" || !got.UpdatedAt.Equal(stored(at(5))) {
			t.Fatalf("replaced persona = %+v", got)
		}
		// Personas are per user.
		must(s.SetPersona(ctx, store.Persona{UserID: "u2", Name: "Kai"}))(t)
		if got := must(s.GetPersona(ctx, "u1"))(t); got.Name != "Robin the Bold" {
			t.Fatalf("u2's persona changed u1's: %+v", got)
		}
		// Unicode survives as it was given.
		must(s.SetPersona(ctx, store.Persona{UserID: "u3", Name: "ロビン 🐦", Description: "ça va\nsecond line"}))(t)
		if got := must(s.GetPersona(ctx, "u3"))(t); got.Name != "ロビン 🐦" || got.Description != "ça va\nsecond line" {
			t.Fatalf("unicode persona = %+v", got)
		}
	}},
	{"PersonaDelete", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		must(s.SetPersona(ctx, store.Persona{UserID: "u1", Name: "Robin"}))(t)
		noErr(t, s.DeletePersona(ctx, "u1"))
		requireIs(t, second(s.GetPersona(ctx, "u1")), store.ErrNotFound)
		requireIs(t, s.DeletePersona(ctx, "u1"), store.ErrNotFound)
	}},
	{"PersonaValidation", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		for _, tc := range []struct {
			p     store.Persona
			field string
		}{
			{store.Persona{Name: "Robin"}, "user_id"},
			{store.Persona{UserID: "  ", Name: "Robin"}, "user_id"},
			{store.Persona{UserID: "u1"}, "name"},
			{store.Persona{UserID: "u1", Name: " \t"}, "name"},
			{store.Persona{UserID: "u1", Name: strings.Repeat("n", store.MaxPersonaName+1)}, "name"},
			{store.Persona{UserID: "u1", Name: "two\nlines"}, "name"},
			{store.Persona{UserID: "u1", Name: "Robin", Description: strings.Repeat("d", store.MaxPersonaDescription+1)}, "description"},
			{store.Persona{UserID: "u1", Name: "Rob\x00in"}, "name"},
			{store.Persona{UserID: "u1", Name: "Robin", Description: "bad \xff utf-8"}, "description"},
		} {
			requireInvalid(t, second(s.SetPersona(ctx, tc.p)), tc.field)
		}
		requireIs(t, second(s.GetPersona(ctx, "u1")), store.ErrNotFound)
		// The limits count characters, not bytes.
		must(s.SetPersona(ctx, store.Persona{UserID: "u1", Name: strings.Repeat("ä", store.MaxPersonaName)}))(t)
	}},
	{"ForgetUserForgetsThePersona", func(t *testing.T, open Opener) {
		s := open(t)
		ctx := t.Context()
		must(s.SetPersona(ctx, store.Persona{UserID: "u1", Name: "Robin"}))(t)
		must(s.SetPersona(ctx, store.Persona{UserID: "u2", Name: "Kai"}))(t)
		must(s.ForgetUser(ctx, "u1"))(t)
		requireIs(t, second(s.GetPersona(ctx, "u1")), store.ErrNotFound)
		if got := must(s.GetPersona(ctx, "u2"))(t); got.Name != "Kai" {
			t.Fatalf("another user's persona = %+v", got)
		}
	}},
}

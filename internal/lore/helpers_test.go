package lore

import (
	"strings"
	"testing"
)

func intp(n int) *int { return &n }

// on returns an enabled entry whose content is "<id> content".
func on(id string, keys ...string) Entry {
	return Entry{ID: id, Content: id + " content", Keys: keys, Enabled: true}
}

func msgs(texts ...string) []Message {
	out := make([]Message, len(texts))
	for i, t := range texts {
		out[i] = Message{Text: t}
	}
	return out
}

func book(entries ...Entry) Book {
	return Book{Name: "b", Scope: ScopeCharacter, Entries: entries}
}

func activatedIDs(r Result) string {
	ids := make([]string, len(r.Activated))
	for i, a := range r.Activated {
		ids[i] = a.Ref.ID
	}
	return strings.Join(ids, ",")
}

func droppedIDs(r Result) string {
	ids := make([]string, len(r.Dropped))
	for i, d := range r.Dropped {
		ids[i] = d.Ref.ID
	}
	return strings.Join(ids, ",")
}

func checkIDs(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

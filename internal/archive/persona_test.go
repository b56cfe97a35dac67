package archive

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/store"
)

// Personas (format 1.2) round-trip, keyed by user, in the order written,
// and the same data always gives the same bytes.
func TestRoundTripPersonas(t *testing.T) {
	d := fixture()
	d.Personas = []store.Persona{
		{UserID: "mia", Name: "Mia of the North", Description: "A cargo pilot.\nQuiet <b>&</b> sure.", UpdatedAt: at(11)},
		{UserID: "sam", Name: "Sam", UpdatedAt: at(12)},
	}
	first := write(t, fixtureHeader(), d)
	if again := write(t, fixtureHeader(), d); !bytes.Equal(first, again) {
		t.Error("writing the same data twice gave different bytes")
	}
	a, err := Read(bytes.NewReader(first), ReadOptions{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	requireSameRows(t, a.Data, d)
	if c := a.Header.Counts; c[KindPersona] != 2 {
		t.Errorf("header counts = %v, want 2 personas", c)
	}
	if Table(KindPersona) != "personas" {
		t.Errorf("Table(persona) = %q", Table(KindPersona))
	}

	// A persona is checked as Import would: a name is required.
	d.Personas[1].Name = " "
	_, err = Read(bytes.NewReader(write(t, fixtureHeader(), d)), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "name") || !strings.Contains(err.Error(), "line ") {
		t.Errorf("Read of a persona without a name: %v, want an error naming the line and name", err)
	}
	// Two personas of one user are one key twice.
	d.Personas[1] = store.Persona{UserID: "mia", Name: "Mia again", UpdatedAt: at(13)}
	if _, err = Read(bytes.NewReader(write(t, fixtureHeader(), d)), ReadOptions{}); err == nil {
		t.Error("Read accepted two personas of one user")
	}
}

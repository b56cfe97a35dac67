// Package storetest is the contract every store.Store implementation meets.
// Each backend's tests call Run; the same subtests then prove that SQLite and
// PostgreSQL behave the same.
package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mojin/charsim/internal/store"
)

// Opener returns a new, empty store that no other call shares, and closes it
// when t ends.
type Opener func(t *testing.T) store.Store

type contractTest struct {
	name string
	run  func(t *testing.T, open Opener)
}

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Opener) {
	var tests []contractTest
	for _, group := range [][]contractTest{
		basicsTests, characterTests, memoryTests, vectorTests, timelineTests,
		stateTests, relationshipTests, messageTests, privacyTests, concurrencyTests, transferTests,
		occurredTests, dedupTests, metaTests, loreTests, personaTests, consoleQueryTests,
	} {
		tests = append(tests, group...)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open) })
	}
}

var basicsTests = []contractTest{
	{"PingAndBackend", func(t *testing.T, open Opener) {
		s := open(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if b := s.Backend(); b != "sqlite" && b != "postgres" {
			t.Fatalf("Backend() = %q, want sqlite or postgres", b)
		}
	}},
	{"NewStoreIsEmpty", func(t *testing.T, open Opener) {
		s := open(t)
		if c := count(t, s); c != (store.Counts{}) {
			t.Fatalf("Count of a new store = %+v, want all zero", c)
		}
	}},
}

// count returns s.Count or fails the test.
func count(t *testing.T, s store.Store) store.Counts {
	t.Helper()
	c, err := s.Count(t.Context())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return c
}

// requireInvalid asserts that err is a validation error naming field.
func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("error = %v, want ErrInvalid naming %q", err, field)
	}
	var fe *store.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("error = %v, want a FieldError for field %q", err, field)
	}
	if !strings.Contains(err.Error(), field) {
		t.Fatalf("message %q does not name field %q", err.Error(), field)
	}
}

// requireIs asserts errors.Is(err, target).
func requireIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// must(v, err)(t) fails the test on err and returns v.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// noErr fails the test on err.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newCharacter creates a character with the given name.
func newCharacter(t *testing.T, s store.Store, name string) store.Character {
	t.Helper()
	return must(s.CreateCharacter(t.Context(), store.Character{Name: name, Personality: "curious"}))(t)
}

// memorySerial numbers the default texts of newMemory.
var memorySerial atomic.Int64

// newMemory creates a valid memory; a missing kind, importance or text is
// filled in (each default text is different).
func newMemory(t *testing.T, s store.Store, m store.Memory) store.Memory {
	t.Helper()
	if m.Kind == "" {
		m.Kind = store.KindEpisodic
	}
	if m.Importance == 0 {
		m.Importance = 5
	}
	if m.Text == "" {
		// Distinct, or the store would deduplicate the memories.
		m.Text = fmt.Sprintf("something happened (%d)", memorySerial.Add(1))
	}
	return must(s.CreateMemory(t.Context(), m))(t)
}

// at is a fixed point in time with sub-microsecond digits, to prove that the
// store normalises times the same way on every backend.
func at(minutes int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("X", 3600)).Add(time.Duration(minutes) * time.Minute)
}

// stored is t as a store returns it.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

package store

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// FieldError is a validation failure of one field. errors.Is(err, ErrInvalid)
// holds for it, and Field carries the field's JSON name so that callers (MCP
// tools, the CLI) can point at the argument that was wrong.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return "invalid " + e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// within names the field of an error about one element of a list, for
// example "memories[3].importance".
func within(element string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: element + "." + fe.Field, Problem: fe.Problem}
	}
	return fmt.Errorf("%s: %w", element, err)
}

// Value ranges, exported for tool schemas.
const (
	MinImportance = 1
	MaxImportance = 10
	MinImpact     = 0
	MaxImpact     = 10
	MinEnergy     = 0
	MaxEnergy     = 100
)

// Message roles.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

func required(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return invalid(field, "is required")
	}
	return nil
}

func inRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return invalid(field, "must be between %d and %d, got %d", lo, hi, v)
	}
	return nil
}

func finite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return invalid(field, "must be a finite number")
	}
	return nil
}

func validKind(k MemoryKind) error {
	if !slices.Contains(MemoryKinds, k) {
		return invalid("kind", "must be one of %v, got %q", MemoryKinds, k)
	}
	return nil
}

func validEventType(t EventType) error {
	if !slices.Contains(EventTypes, t) {
		return invalid("type", "must be one of %v, got %q", EventTypes, t)
	}
	return nil
}

func validateCharacter(c Character) error {
	return required("name", c.Name)
}

func validateMemory(m Memory) error {
	if err := required("character_id", m.CharacterID); err != nil {
		return err
	}
	if err := required("text", m.Text); err != nil {
		return err
	}
	if err := validKind(m.Kind); err != nil {
		return err
	}
	return inRange("importance", m.Importance, MinImportance, MaxImportance)
}

func validateVector(v MemoryVector) error {
	if err := required("memory_id", v.MemoryID); err != nil {
		return err
	}
	if len(v.Vector) == 0 {
		return invalid("vector", "is empty")
	}
	for i, x := range v.Vector {
		// The field's name is formatted only for the error: every write
		// checks every component.
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return finite(fmt.Sprintf("vector[%d]", i), float64(x))
		}
	}
	return nil
}

func validateEvent(e TimelineEvent) error {
	if err := required("channel_id", e.ChannelID); err != nil {
		return err
	}
	if err := required("branch", e.Branch); err != nil {
		return err
	}
	if err := validEventType(e.Type); err != nil {
		return err
	}
	if err := required("description", e.Description); err != nil {
		return err
	}
	return inRange("impact", e.Impact, MinImpact, MaxImpact)
}

func validateBranch(b Branch) error {
	if err := required("channel_id", b.ChannelID); err != nil {
		return err
	}
	return required("name", b.Name)
}

func validateState(s CharacterState) error {
	return inRange("energy", s.Energy, MinEnergy, MaxEnergy)
}

func validateRelationshipChange(c RelationshipChange) error {
	if err := finite("affinity_delta", c.AffinityDelta); err != nil {
		return err
	}
	return finite("trust_delta", c.TrustDelta)
}

func validateRelationship(r Relationship) error {
	if err := required("target", r.Target); err != nil {
		return err
	}
	for _, v := range []struct {
		field string
		value float64
	}{{"affinity", r.Affinity}, {"trust", r.Trust}} {
		if err := finite(v.field, v.value); err != nil {
			return err
		}
		if v.value < -1 || v.value > 1 {
			return invalid(v.field, "must be between -1 and 1, got %g", v.value)
		}
	}
	for i, c := range r.History {
		if err := validateRelationshipChange(c); err != nil {
			return within(fmt.Sprintf("history[%d]", i), err)
		}
	}
	return nil
}

func validateMessage(m Message) error {
	if err := required("character_id", m.CharacterID); err != nil {
		return err
	}
	if err := required("channel_id", m.ChannelID); err != nil {
		return err
	}
	if m.Role != RoleUser && m.Role != RoleAssistant {
		return invalid("role", "must be %q or %q, got %q", RoleUser, RoleAssistant, m.Role)
	}
	return required("content", m.Content)
}

// clampUnit limits v to -1..1.
func clampUnit(v float64) float64 { return max(-1, min(1, v)) }

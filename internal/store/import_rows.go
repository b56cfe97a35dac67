package store

import "fmt"

// PrepareImportRow validates one row the way Import does and normalises it in
// place (timestamps stored to the microsecond, in UTC), so that a caller
// reading rows one by one (an archive reader) can refuse an invalid row where
// it is, and compare it with the stored row of the same key.
//
// row is a pointer to a Character, CharacterState, Relationship, Memory,
// MemoryVector, TimelineEvent, Branch, Message, CharacterCard, LoreBook,
// LoreEntry or Persona. As for Import, the key of
// every row is required: preparing never invents an ID.
func PrepareImportRow(row any) error {
	switch r := row.(type) {
	case *Character:
		return keyed("id", r.ID, func() error { return prepareCharacter(r) })
	case *CharacterState:
		return keyed("character_id", r.CharacterID, func() error { return prepareState(r) })
	case *Relationship:
		return keyed("character_id", r.CharacterID, func() error { return prepareRelationship(r) })
	case *Memory:
		return keyed("id", r.ID, func() error { return prepareMemory(r) })
	case *MemoryVector:
		return validateVector(*r)
	case *TimelineEvent:
		return keyed("id", r.ID, func() error { return prepareEvent(r) })
	case *Branch:
		return prepareBranch(r)
	case *Message:
		return keyed("id", r.ID, func() error { return prepareMessage(r) })
	case *CharacterCard:
		return keyed("character_id", r.CharacterID, func() error { return prepareCard(r) })
	case *LoreBook:
		return keyed("id", r.ID, func() error { return prepareLoreBook(r) })
	case *LoreEntry:
		return keyed("id", r.ID, func() error { return prepareImportedLoreEntry(r) })
	case *Persona:
		return keyed("user_id", r.UserID, func() error { return preparePersona(r) })
	default:
		return fmt.Errorf("prepare import row: %T is not a row of a Dataset", row)
	}
}

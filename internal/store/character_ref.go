package store

import (
	"context"
	"errors"
)

// CharacterByRef finds the character whose ID, else whose exact name, is ref:
// the way every interface (MCP tools, charsimctl) reads a character
// argument. Neither matching is ErrNotFound.
func CharacterByRef(ctx context.Context, st Store, ref string) (Character, error) {
	c, err := st.GetCharacter(ctx, ref)
	// A name is not a well-formed ID on every backend, hence ErrInvalid too.
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
		c, err = st.GetCharacterByName(ctx, ref)
	}
	if errors.Is(err, ErrInvalid) {
		err = ErrNotFound // not a valid name either: no such character
	}
	return c, err
}

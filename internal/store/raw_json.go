package store

import (
	"encoding/json"
	"fmt"
	"strings"
)

// RawJSON is a JSON object whose member values are kept exactly as given:
// a card's "extensions" and the members charsim has no field for. It is
// stored as text on both backends (not JSONB, which would reorder keys and
// rewrite numbers), so values come back byte for byte. Its underlying type
// is card.Raw's, so the two convert directly.
type RawJSON map[string]json.RawMessage

// text encodes r for its column; nil is stored as {}.
func (r RawJSON) text() (string, error) {
	if len(r) == 0 {
		return "{}", nil
	}
	// Not json.Marshal: it would escape <, > and & inside the kept values.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]json.RawMessage(r)); err != nil {
		return "", fmt.Errorf("encode JSON object: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// rawColumn scans a RawJSON column; {} becomes nil, as a nil RawJSON is stored as {}.
type rawColumn struct{ dest *RawJSON }

func (c rawColumn) Scan(src any) error {
	var m RawJSON
	if err := scanJSON(src, &m); err != nil {
		return fmt.Errorf("scan JSON object column: %w", err)
	}
	if len(m) == 0 {
		m = nil
	}
	*c.dest = m
	return nil
}

// validRawJSON checks that every member of r is valid JSON, so that what is
// stored can always be read back.
func validRawJSON(field string, r RawJSON) error {
	for k, v := range r {
		if !json.Valid(v) {
			return invalid(field, "member %q is not valid JSON", k)
		}
	}
	return nil
}

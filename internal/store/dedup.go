package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Memories are deduplicated by a unique key rather than by looking for a
// copy before writing: a UNIQUE index on (character_id, dedup_key) lets the
// database decide, so two replicas remembering the same thing at the same
// moment still store it once.

// trailingPunctuation is the sentence punctuation that does not change what
// a memory says ("Mia is a pilot." and "Mia is a pilot" are the same).
const trailingPunctuation = ".,!?。！？…"

// normalizeMemoryText is the form of a memory's text that deduplication
// compares: Unicode NFKC (so full-width and half-width forms, ligatures and
// composed accents compare equal), lower case, runs of whitespace collapsed
// to one space, without surrounding whitespace or trailing sentence
// punctuation.
func normalizeMemoryText(text string) string {
	fields := strings.FieldsFunc(strings.ToLower(norm.NFKC.String(text)), unicode.IsSpace)
	joined := strings.Join(fields, " ")
	// Punctuation and spaces may alternate at the end ("done . !").
	return strings.TrimRight(joined, trailingPunctuation+" ")
}

// dedupKey is the key of a memory among its character's memories: the hex
// SHA-256 of the user, the kind and the normalised text, separated by NUL
// (which none of them contains, so different triples never run together).
// The character is the index's other column.
func dedupKey(userID string, kind MemoryKind, text string) string {
	sum := sha256.Sum256([]byte(userID + "\x00" + string(kind) + "\x00" + normalizeMemoryText(text)))
	return hex.EncodeToString(sum[:])
}

// Package archive is charsim's portable export format: one gzip-compressed
// file of JSON lines that holds a whole store (characters, states,
// relationships, memories with their times, optionally their vectors,
// timeline events and branches, conversation messages, and since 1.1 the
// characters' original cards and the lorebooks with their entries, and since
// 1.2 the users' personas), readable by any
// backend (SQLite, PostgreSQL, with embedded vectors or Qdrant).
//
// Layout, one JSON object per line:
//
//	{"kind":"header","format":"charsim-archive","version":"1.0","charsim":"v0.4.0",
//	 "created_at":"…","source":"sqlite","vectors":{"embedder":"builtin/v3/256","dimension":256},
//	 "counts":{"character":2,"memory":4,…}}
//	{"kind":"character","data":{"id":"…","name":"Aria",…}}
//	{"kind":"memory","data":{"id":"…","character_id":"…","text":"…","occurred_at":"…",…}}
//	…
//	{"kind":"trailer","records":17,"counts":{"character":2,"memory":4,…}}
//
// The header comes first and the trailer last; in between, records of the
// kinds in Kinds, each with the JSON form of its store row. The trailer
// repeats the counts, so an archive cut short (even at a line boundary,
// which gzip alone might not notice) is refused. "vectors" is present only
// when the archive holds vector records, and names the embedder that made
// them (memory.Fingerprint), so an importer can tell whether they are usable
// with its own embedder or must be re-embedded.
//
// Versions are MAJOR.MINOR. A reader refuses a newer major version. A newer
// minor version may add record kinds and fields; a reader reports the ones it
// does not know and refuses the archive unless asked to skip them (so that,
// say, lore from a newer charsim is never dropped silently). An unknown kind
// or field in an archive of this reader's minor version or older is
// corruption.
//
// Read checks the whole archive before returning anything, and reports every
// problem with its line number (1 is the header): bad gzip, bad JSON, a
// missing header or trailer, a count mismatch, an invalid or duplicate
// record.
package archive

-- Character cards and lorebooks. Keep in step with migrations/sqlite.
--
-- The card a character was imported from is kept as it was (original holds
-- the file's bytes), so that nothing of it is ever lost, whatever charsim's
-- model does not map.
CREATE TABLE character_cards (
	character_id TEXT PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
	format       TEXT NOT NULL,
	spec_version TEXT NOT NULL DEFAULT '',
	original     BYTEA NOT NULL,
	avatar       BYTEA,
	imported_at  TIMESTAMPTZ NOT NULL
);

-- A lore book belongs to a character, a channel, or to the world (every
-- character). owner_id is a character ID, a channel ID or '' for the world;
-- it is not a foreign key because channels have no table, so the store
-- deletes a character's books with the character. NULL in scan_depth,
-- token_budget and recursive_scanning means "not set" (the engine's
-- default), which a card distinguishes from 0/false. extensions and extra
-- are JSON objects kept as TEXT, not JSONB: JSONB reorders keys and
-- rewrites numbers, and a card's extensions must come back byte for byte.
CREATE TABLE lore_books (
	id                  TEXT PRIMARY KEY,
	name                TEXT NOT NULL DEFAULT '',
	description         TEXT NOT NULL DEFAULT '',
	scope               TEXT NOT NULL CHECK (scope IN ('character', 'world', 'channel')),
	owner_id            TEXT NOT NULL DEFAULT '',
	scan_depth          INTEGER,
	token_budget        INTEGER,
	recursive_scanning  BOOLEAN,
	max_recursion_steps INTEGER NOT NULL DEFAULT 0,
	extensions          TEXT NOT NULL DEFAULT '{}',
	extra               TEXT NOT NULL DEFAULT '{}',
	created_at          TIMESTAMPTZ NOT NULL,
	updated_at          TIMESTAMPTZ NOT NULL,
	CHECK ((scope = 'world') = (owner_id = ''))
);
CREATE INDEX lore_books_scope_idx ON lore_books (scope, owner_id, created_at, id);

-- One entry of a book; seq is its place in the book (the order of the card's
-- entries), distinct from insertion_order, which places it in a prompt.
-- NULL in logic, case_sensitive, priority and scan_depth means "not set".
CREATE TABLE lore_entries (
	id                    TEXT PRIMARY KEY,
	book_id               TEXT NOT NULL REFERENCES lore_books (id) ON DELETE CASCADE,
	seq                   INTEGER NOT NULL,
	entry_id              TEXT NOT NULL DEFAULT '',
	entry_id_numeric      BOOLEAN NOT NULL DEFAULT FALSE,
	name                  TEXT NOT NULL DEFAULT '',
	comment               TEXT NOT NULL DEFAULT '',
	content               TEXT NOT NULL DEFAULT '',
	keys                  JSONB NOT NULL DEFAULT '[]',
	secondary_keys        JSONB NOT NULL DEFAULT '[]',
	selective             BOOLEAN NOT NULL DEFAULT FALSE,
	logic                 INTEGER,
	use_regex             BOOLEAN NOT NULL DEFAULT FALSE,
	case_sensitive        BOOLEAN,
	whole_words           BOOLEAN NOT NULL DEFAULT FALSE,
	constant              BOOLEAN NOT NULL DEFAULT FALSE,
	enabled               BOOLEAN NOT NULL DEFAULT TRUE,
	insertion_order       INTEGER NOT NULL DEFAULT 0,
	priority              INTEGER,
	position              TEXT NOT NULL DEFAULT '',
	depth                 INTEGER NOT NULL DEFAULT 0,
	role                  INTEGER NOT NULL DEFAULT 0,
	outlet                TEXT NOT NULL DEFAULT '',
	scan_depth            INTEGER,
	exclude_recursion     BOOLEAN NOT NULL DEFAULT FALSE,
	prevent_recursion     BOOLEAN NOT NULL DEFAULT FALSE,
	delay_until_recursion BOOLEAN NOT NULL DEFAULT FALSE,
	extensions            TEXT NOT NULL DEFAULT '{}',
	extra                 TEXT NOT NULL DEFAULT '{}',
	created_at            TIMESTAMPTZ NOT NULL,
	updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX lore_entries_book_idx ON lore_entries (book_id, seq, id);

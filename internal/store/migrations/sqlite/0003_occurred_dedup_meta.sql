-- Time-aware and deduplicated memories, and a key/value table for the store.
-- Keep in step with migrations/postgres.
--
-- occurred_at is when the remembered thing happened (created_at is when it
-- was stored); existing rows happened when they were stored. SQLite cannot
-- add a NOT NULL column without a default; every insert gives the value, so
-- the default (the Unix epoch) is never kept.
ALTER TABLE memories ADD COLUMN occurred_at TIMESTAMP NOT NULL DEFAULT 0;
UPDATE memories SET occurred_at = created_at;

-- dedup_key is the hex SHA-256 of the user, the kind and the normalised text
-- (store.dedupKey); the unique index makes remembering the same thing twice
-- update one row instead of inserting a second, even across processes. NULL
-- keys never collide: rows stored before this migration keep NULL (they may
-- hold duplicates, which must not be lost), and so does an imported row
-- whose key another memory holds already.
ALTER TABLE memories ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX memories_dedup_idx ON memories (character_id, dedup_key);

-- Lists are ordered by when things happened.
DROP INDEX memories_character_idx;
DROP INDEX memories_user_idx;
DROP INDEX memories_channel_idx;
CREATE INDEX memories_character_idx ON memories (character_id, occurred_at DESC, created_at DESC, id DESC);
CREATE INDEX memories_user_idx ON memories (user_id, occurred_at DESC, created_at DESC, id DESC);
CREATE INDEX memories_channel_idx ON memories (channel_id, occurred_at DESC, created_at DESC, id DESC);
CREATE INDEX memories_occurred_idx ON memories (occurred_at DESC, created_at DESC, id DESC);

-- Facts about the store itself, such as the embedder version of the stored
-- vectors.
CREATE TABLE store_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

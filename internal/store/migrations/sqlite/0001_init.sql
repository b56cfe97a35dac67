-- Initial schema. Timestamps are TIMESTAMP columns holding Unix microseconds
-- (the driver converts them); lists and histories are JSON text; vectors are
-- float32 little-endian BLOBs. Keep in step with migrations/postgres.

CREATE TABLE characters (
	id              TEXT PRIMARY KEY,
	name            TEXT NOT NULL UNIQUE,
	personality     TEXT NOT NULL DEFAULT '',
	background      TEXT NOT NULL DEFAULT '',
	speech_patterns TEXT NOT NULL DEFAULT '',
	goals           TEXT NOT NULL DEFAULT '[]',
	style           TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMP NOT NULL,
	updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE character_states (
	character_id TEXT PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
	emotion      TEXT NOT NULL,
	energy       INTEGER NOT NULL CHECK (energy BETWEEN 0 AND 100),
	location     TEXT NOT NULL DEFAULT '',
	goals        TEXT NOT NULL DEFAULT '[]',
	inventory    TEXT NOT NULL DEFAULT '[]',
	updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE relationships (
	character_id TEXT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
	target       TEXT NOT NULL,
	affinity     REAL NOT NULL CHECK (affinity BETWEEN -1 AND 1),
	trust        REAL NOT NULL CHECK (trust BETWEEN -1 AND 1),
	history      TEXT NOT NULL DEFAULT '[]',
	updated_at   TIMESTAMP NOT NULL,
	PRIMARY KEY (character_id, target)
);
CREATE INDEX relationships_target_idx ON relationships (target);

CREATE TABLE memories (
	id               TEXT PRIMARY KEY,
	character_id     TEXT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
	user_id          TEXT NOT NULL DEFAULT '',
	channel_id       TEXT NOT NULL DEFAULT '',
	kind             TEXT NOT NULL,
	text             TEXT NOT NULL,
	importance       INTEGER NOT NULL CHECK (importance BETWEEN 1 AND 10),
	tags             TEXT NOT NULL DEFAULT '[]',
	created_at       TIMESTAMP NOT NULL,
	last_accessed_at TIMESTAMP NOT NULL
);
CREATE INDEX memories_character_idx ON memories (character_id, created_at DESC, id DESC);
CREATE INDEX memories_user_idx ON memories (user_id, created_at DESC, id DESC);
CREATE INDEX memories_channel_idx ON memories (channel_id, created_at DESC, id DESC);
CREATE INDEX memories_created_idx ON memories (created_at DESC, id DESC);

-- Like a Qdrant collection, the vector table is keyed by memory ID and does not
-- reference memories; the store deletes vectors together with their memories.
CREATE TABLE memory_vectors (
	memory_id    TEXT PRIMARY KEY,
	character_id TEXT NOT NULL DEFAULT '',
	user_id      TEXT NOT NULL DEFAULT '',
	channel_id   TEXT NOT NULL DEFAULT '',
	kind         TEXT NOT NULL DEFAULT '',
	vector       BLOB NOT NULL
);
CREATE INDEX memory_vectors_character_idx ON memory_vectors (character_id);
CREATE INDEX memory_vectors_user_idx ON memory_vectors (user_id);

CREATE TABLE timeline_events (
	id           TEXT PRIMARY KEY,
	channel_id   TEXT NOT NULL,
	branch       TEXT NOT NULL,
	parent_id    TEXT REFERENCES timeline_events (id) DEFERRABLE INITIALLY DEFERRED,
	character_id TEXT NOT NULL DEFAULT '',
	type         TEXT NOT NULL,
	description  TEXT NOT NULL,
	impact       INTEGER NOT NULL CHECK (impact BETWEEN 0 AND 10),
	participants TEXT NOT NULL DEFAULT '[]',
	created_at   TIMESTAMP NOT NULL
);
CREATE INDEX timeline_events_channel_idx ON timeline_events (channel_id, branch, created_at);
CREATE INDEX timeline_events_parent_idx ON timeline_events (parent_id);

CREATE TABLE timeline_branches (
	channel_id    TEXT NOT NULL,
	name          TEXT NOT NULL,
	head_event_id TEXT REFERENCES timeline_events (id) DEFERRABLE INITIALLY DEFERRED,
	created_at    TIMESTAMP NOT NULL,
	PRIMARY KEY (channel_id, name)
);

CREATE TABLE messages (
	id           TEXT PRIMARY KEY,
	character_id TEXT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
	channel_id   TEXT NOT NULL,
	user_id      TEXT NOT NULL DEFAULT '',
	role         TEXT NOT NULL,
	content      TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL
);
CREATE INDEX messages_conversation_idx ON messages (character_id, channel_id, created_at DESC, id DESC);
CREATE INDEX messages_user_idx ON messages (user_id);

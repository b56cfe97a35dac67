-- User personas. Keep in step with migrations/postgres.
--
-- A user (a Discord member, a console user) may say who they are in the
-- story: a name, which {{user}} stands for, and a description, which goes
-- into the context of their turns. One persona per user ID in a store.
CREATE TABLE user_personas (
	user_id     TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	updated_at  TIMESTAMP NOT NULL
);

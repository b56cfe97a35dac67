-- Every write to memory_vectors is numbered in vector_changes, so that a
-- server's in-memory vector index can follow the writes of other processes
-- on the same database (another server, charsimctl). SQLite has one writer
-- at a time, so the numbers are in commit order.
CREATE TABLE vector_changes (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	memory_id TEXT NOT NULL
);

CREATE TRIGGER memory_vectors_inserted AFTER INSERT ON memory_vectors
BEGIN
	INSERT INTO vector_changes (memory_id) VALUES (NEW.memory_id);
END;

CREATE TRIGGER memory_vectors_updated AFTER UPDATE ON memory_vectors
BEGIN
	INSERT INTO vector_changes (memory_id) VALUES (NEW.memory_id);
END;

CREATE TRIGGER memory_vectors_deleted AFTER DELETE ON memory_vectors
BEGIN
	INSERT INTO vector_changes (memory_id) VALUES (OLD.memory_id);
END;

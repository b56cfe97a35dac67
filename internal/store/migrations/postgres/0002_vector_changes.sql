-- Every write to memory_vectors is numbered in vector_changes, so that a
-- server's in-memory vector index can follow the writes of other processes
-- on the same database (another server, charsimctl). A follower reads the
-- changes after the last number it has seen, so numbers must appear in commit
-- order: the trigger takes a transaction-scoped advisory lock before it draws
-- a number, which orders the transactions that write vectors. The store's
-- transactions take that lock first, before any row lock (inVectorTx).
CREATE TABLE vector_changes (
	seq       BIGSERIAL PRIMARY KEY,
	memory_id TEXT NOT NULL
);

CREATE FUNCTION record_vector_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- The key is "charvect" in ASCII (the migration lock's is "charsim").
	PERFORM pg_advisory_xact_lock(x'6368617276656374'::bigint);
	IF TG_OP = 'DELETE' THEN
		INSERT INTO vector_changes (memory_id) VALUES (OLD.memory_id);
	ELSE
		INSERT INTO vector_changes (memory_id) VALUES (NEW.memory_id);
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER memory_vectors_changed AFTER INSERT OR UPDATE OR DELETE ON memory_vectors
	FOR EACH ROW EXECUTE FUNCTION record_vector_change();

-- The transparency log: one leaf per label event, at dense indexes from 0
-- in commit order (appends hold the log's advisory lock). `leaf` is the
-- signed statement byte for byte; `hash` its RFC 9162 leaf hash, so the
-- tree is rebuilt without reading the leaves. Append-only, like `events`.
CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    seq BIGINT NOT NULL UNIQUE REFERENCES events(seq),
    label_id TEXT NOT NULL,
    hash BYTEA NOT NULL CHECK (length(hash) = 32),
    leaf TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX log_entries_by_label ON log_entries (label_id, idx);
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Every key that has signed for the log, kept for verifiers of old leaves.
CREATE TABLE log_keys (
    verifier_key TEXT PRIMARY KEY,
    first_used TEXT NOT NULL,
    n BIGSERIAL NOT NULL UNIQUE
);
CREATE TRIGGER log_keys_append_only BEFORE UPDATE OR DELETE ON log_keys
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER log_keys_no_truncate BEFORE TRUNCATE ON log_keys
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Named counters (the status list's next index).
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    next BIGINT NOT NULL
);

-- The label's bit in the status list (NULL for labels granted before).
ALTER TABLE labels ADD COLUMN status_list_index BIGINT;

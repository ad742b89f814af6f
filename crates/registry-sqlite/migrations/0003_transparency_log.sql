-- The transparency log: one leaf per label event, at dense indexes from 0
-- in commit order (writes are serialized by BEGIN IMMEDIATE). `leaf` is the
-- signed statement byte for byte; `hash` its RFC 9162 leaf hash, so the
-- tree is rebuilt without reading the leaves. Append-only, like `events`.
CREATE TABLE log_entries (
    idx INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE REFERENCES events(seq),
    label_id TEXT NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    leaf TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX log_entries_by_label ON log_entries (label_id, idx);

CREATE TRIGGER log_entries_append_only_update BEFORE UPDATE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER log_entries_append_only_delete BEFORE DELETE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;

-- Every key that has signed for the log, kept for verifiers of old leaves.
CREATE TABLE log_keys (
    verifier_key TEXT PRIMARY KEY,
    first_used TEXT NOT NULL,
    n INTEGER NOT NULL UNIQUE
);
CREATE TRIGGER log_keys_append_only_update BEFORE UPDATE ON log_keys
BEGIN SELECT RAISE(ABORT, 'the key history is append-only'); END;
CREATE TRIGGER log_keys_append_only_delete BEFORE DELETE ON log_keys
BEGIN SELECT RAISE(ABORT, 'the key history is append-only'); END;

-- Named counters (the status list's next index).
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
);

-- The label's bit in the status list (NULL for labels granted before).
ALTER TABLE labels ADD COLUMN status_list_index INTEGER;

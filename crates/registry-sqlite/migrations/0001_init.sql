-- starmark registry, SQLite schema 1.

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    accreditation TEXT
);

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    label TEXT NOT NULL
);

CREATE TABLE label_sequences (
    level TEXT NOT NULL,
    year INTEGER NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (level, year)
);

-- The log. Rows are never updated or deleted (see the triggers).
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_by_subject ON events (subject_type, subject_id, seq);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

-- Projections of the log: the current state, with a version for
-- optimistic concurrency.
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    vendor TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX applications_by_vendor ON applications (vendor);

CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    vendor TEXT NOT NULL,
    category TEXT,
    revoked INTEGER NOT NULL,
    expires_on TEXT NOT NULL,
    expiry_recorded INTEGER NOT NULL,
    search TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX labels_by_order ON labels (level, year, seq);
CREATE INDEX labels_by_expiry ON labels (revoked, expiry_recorded, expires_on);

-- starmark registry, PostgreSQL schema 1.

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
    next BIGINT NOT NULL,
    PRIMARY KEY (level, year)
);

-- The log. `body` keeps the event's JSON byte for byte (TEXT, not JSONB,
-- which would reorder keys). Rows are never updated or deleted.
CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_by_subject ON events (subject_type, subject_id, seq);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    vendor TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX applications_by_vendor ON applications (vendor);

CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    vendor TEXT NOT NULL,
    category TEXT,
    revoked BOOLEAN NOT NULL,
    expires_on TEXT NOT NULL,
    expiry_recorded BOOLEAN NOT NULL,
    search TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX labels_by_order ON labels (level, year, seq);
CREATE INDEX labels_by_expiry ON labels (revoked, expiry_recorded, expires_on);

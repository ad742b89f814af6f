-- Idempotency keys: a retried POST replays its first answer instead of
-- acting twice. `status` and `body` are NULL while the request is running.
CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    PRIMARY KEY (scope, key)
);

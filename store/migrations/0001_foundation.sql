-- Foundation: people and their platform identities, redelivery guard, outbox,
-- scheduled jobs, dialogs in progress, and the audit log. Times are UTC milliseconds.

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    department  TEXT NOT NULL CHECK (department IN ('marketing', 'sales', 'hr', 'management')),
    role        TEXT NOT NULL CHECK (role IN ('staff', 'manager', 'hr', 'admin')),
    timezone    TEXT NOT NULL,
    locale      TEXT NOT NULL,
    work_start  INTEGER NOT NULL,  -- minutes after local midnight
    work_end    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE identities (
    connector  TEXT NOT NULL,
    user_id    TEXT NOT NULL COLLATE NOCASE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (connector, user_id)
);
CREATE INDEX identities_person ON identities(person_id);

CREATE TABLE processed_events (
    connector     TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    processed_at  INTEGER NOT NULL,
    PRIMARY KEY (connector, event_id)
) WITHOUT ROWID;
CREATE INDEX processed_events_age ON processed_events(processed_at);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    connector        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    thread           TEXT NOT NULL DEFAULT '',
    text             TEXT NOT NULL,
    reply_to         TEXT NOT NULL DEFAULT '',
    dedupe_key       TEXT UNIQUE,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    sent_at          INTEGER,
    remote_id        TEXT,
    failed           INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed = 0;

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL DEFAULT '{}',
    due_at       INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs(due_at) WHERE status = 'pending';

CREATE TABLE dialogs (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    step        INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT '{}',
    connector   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    thread      TEXT NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    person_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}',
    event_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

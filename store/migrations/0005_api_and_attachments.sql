-- Files that go with an outbox post (e.g. a chart picture): a JSON array of
-- {name, mime, data (Base64)}; NULL when the post has none.
ALTER TABLE outbox ADD COLUMN attachments TEXT;

-- Field rotation: batches of one department's staff join the other department's people
-- in the field, one round every `every_days`. Times are UTC milliseconds.
CREATE TABLE rotations (
    id              INTEGER PRIMARY KEY,
    department      TEXT NOT NULL,          -- who goes along (e.g. marketing)
    host_department TEXT NOT NULL,          -- whom they join (e.g. sales)
    batch           INTEGER NOT NULL CHECK (batch > 0),
    every_days      INTEGER NOT NULL CHECK (every_days > 0),
    first_start     INTEGER NOT NULL,
    created_by      INTEGER REFERENCES people(id),
    created_at      INTEGER NOT NULL,
    stopped_at      INTEGER
);

CREATE TABLE rotation_assignments (
    id          INTEGER PRIMARY KEY,
    rotation_id INTEGER NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    host_id     INTEGER NOT NULL REFERENCES people(id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    UNIQUE (rotation_id, round, person_id)
);
CREATE INDEX rotation_assignments_person ON rotation_assignments(person_id, starts_at);

-- Tags on a report, space-separated (e.g. "rotation" for what a rotating person filed).
ALTER TABLE reports ADD COLUMN tags TEXT NOT NULL DEFAULT '';

-- Only edited reports (version > 1) can have changed since a digest showed them; the
-- digest looks them up here instead of scanning every digest item.
CREATE INDEX reports_edited ON reports(id) WHERE version > 1;

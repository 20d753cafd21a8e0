-- Engagements (dual track): channel tracks, customers and their aliases, engagements
-- with their history, consultations, handoffs and joint tasks. Times are UTC milliseconds.

CREATE TABLE channel_tracks (
    connector   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    track       TEXT NOT NULL CHECK (track IN ('marketing', 'sales', 'joint')),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (connector, channel)
) WITHOUT ROWID;
CREATE INDEX channel_tracks_track ON channel_tracks(track);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,  -- lower-cased, whitespace removed
    created_at  INTEGER NOT NULL
);

CREATE TABLE customer_aliases (
    alias        TEXT NOT NULL,
    alias_key    TEXT NOT NULL PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL
);
CREATE INDEX customer_aliases_customer ON customer_aliases(customer_id);

CREATE TABLE engagements (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    tag          TEXT NOT NULL,
    stage        TEXT NOT NULL,
    lead         TEXT NOT NULL CHECK (lead IN ('marketing', 'sales')),
    owner_id     INTEGER REFERENCES people(id),
    amount       INTEGER,
    closed       INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER REFERENCES people(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX engagements_customer ON engagements(customer_id);

CREATE TABLE engagement_events (
    id             INTEGER PRIMARY KEY,
    engagement_id  INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    person_id      INTEGER,
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX engagement_events_engagement ON engagement_events(engagement_id, at);

CREATE TABLE consultations (
    id             INTEGER PRIMARY KEY,
    engagement_id  INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    consultant_id  INTEGER NOT NULL REFERENCES people(id),
    requested_by   INTEGER REFERENCES people(id),
    note           TEXT NOT NULL DEFAULT '',
    requested_at   INTEGER NOT NULL,
    answered_at    INTEGER
);
CREATE INDEX consultations_engagement ON consultations(engagement_id);

CREATE TABLE handoffs (
    id             INTEGER PRIMARY KEY,
    engagement_id  INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    from_id        INTEGER REFERENCES people(id),
    to_id          INTEGER NOT NULL REFERENCES people(id),
    note           TEXT NOT NULL DEFAULT '',
    requested_at   INTEGER NOT NULL,
    deadline_at    INTEGER NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'accepted', 'declined')),
    decided_at     INTEGER,   -- acceptance (or decline) time, for the metrics
    reason         TEXT NOT NULL DEFAULT '',
    escalated_at   INTEGER
);
CREATE INDEX handoffs_engagement ON handoffs(engagement_id);

CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    engagement_id  INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at     INTEGER NOT NULL,
    UNIQUE (engagement_id, kind)
);

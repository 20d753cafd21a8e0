-- Communication activities: cross-department coffee pairing, trainings, outings with a
-- date poll, and what each activity costs against the quarterly activity budget. Times
-- are UTC milliseconds; amounts are whole units of the company currency.

-- A coffee programme pairs one department with another every few days.
CREATE TABLE coffee_programmes (
    id                INTEGER PRIMARY KEY,
    left_department   TEXT NOT NULL,
    right_department  TEXT NOT NULL,
    every_days        INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 366),
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    started_by        INTEGER REFERENCES people(id),
    created_at        INTEGER NOT NULL,
    stopped_at        INTEGER
);

CREATE TABLE coffee_rounds (
    id            INTEGER PRIMARY KEY,
    programme_id  INTEGER NOT NULL REFERENCES coffee_programmes(id),
    number        INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    UNIQUE (programme_id, number)
);

-- One group of a round: a pair, or a trio when the departments' counts are uneven.
CREATE TABLE coffee_groups (
    id        INTEGER PRIMARY KEY,
    round_id  INTEGER NOT NULL REFERENCES coffee_rounds(id),
    left_id   INTEGER NOT NULL REFERENCES people(id),
    right_id  INTEGER NOT NULL REFERENCES people(id),
    third_id  INTEGER REFERENCES people(id)
);
CREATE INDEX coffee_groups_round ON coffee_groups(round_id);

-- "Did you meet?" at the end of a round, per person.
CREATE TABLE coffee_answers (
    round_id     INTEGER NOT NULL REFERENCES coffee_rounds(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    met          INTEGER NOT NULL CHECK (met IN (0, 1)),
    answered_at  INTEGER NOT NULL,
    PRIMARY KEY (round_id, person_id)
) WITHOUT ROWID;

CREATE TABLE coffee_preferences (
    person_id     INTEGER PRIMARY KEY REFERENCES people(id),
    opted_out     INTEGER NOT NULL DEFAULT 0 CHECK (opted_out IN (0, 1)),
    paused_until  INTEGER,          -- no rounds before this instant; NULL when not paused
    updated_at    INTEGER NOT NULL
);

-- "Don't pair me with": confidential, only ever shown to person_id.
CREATE TABLE coffee_avoid (
    person_id   INTEGER NOT NULL REFERENCES people(id),
    avoided_id  INTEGER NOT NULL REFERENCES people(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (person_id, avoided_id)
) WITHOUT ROWID;

CREATE TABLE trainings (
    id          INTEGER PRIMARY KEY,
    topic       TEXT NOT NULL,
    trainer_id  INTEGER NOT NULL REFERENCES people(id),
    audience    TEXT NOT NULL CHECK (audience IN ('sales', 'marketing', 'all')),
    starts_at   INTEGER NOT NULL,
    capacity    INTEGER CHECK (capacity IS NULL OR capacity > 0),
    cost        INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_by  INTEGER NOT NULL REFERENCES people(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX trainings_start ON trainings(starts_at);

-- A seat (registered) or a place on the waiting list, in order of joined_at.
CREATE TABLE training_seats (
    training_id  INTEGER NOT NULL REFERENCES trainings(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    status       TEXT NOT NULL CHECK (status IN ('registered', 'waiting')),
    joined_at    INTEGER NOT NULL,
    attended     INTEGER NOT NULL DEFAULT 0 CHECK (attended IN (0, 1)),
    PRIMARY KEY (training_id, person_id)
) WITHOUT ROWID;

CREATE TABLE outings (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    budget       INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'polling'
                 CHECK (status IN ('polling', 'closed', 'cancelled')),
    chosen_day   TEXT,             -- YYYY-MM-DD once the poll is closed
    created_by   INTEGER NOT NULL REFERENCES people(id),
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER
);

CREATE TABLE outing_days (
    outing_id  INTEGER NOT NULL REFERENCES outings(id),
    day        TEXT NOT NULL,      -- YYYY-MM-DD in the company zone
    PRIMARY KEY (outing_id, day)
) WITHOUT ROWID;

CREATE TABLE outing_votes (
    outing_id  INTEGER NOT NULL REFERENCES outings(id),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    day        TEXT NOT NULL,
    voted_at   INTEGER NOT NULL,
    PRIMARY KEY (outing_id, person_id, day)
) WITHOUT ROWID;

CREATE TABLE outing_rsvps (
    outing_id    INTEGER NOT NULL REFERENCES outings(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    going        INTEGER NOT NULL CHECK (going IN (0, 1)),
    answered_at  INTEGER NOT NULL,
    PRIMARY KEY (outing_id, person_id)
) WITHOUT ROWID;

-- What an activity costs, once per activity (ref, e.g. "training.7"): planned from the
-- start, spent once `at` (when it takes place) has passed, unless cancelled.
CREATE TABLE activity_costs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,     -- coffee, training, outing, meeting, ...
    ref         TEXT NOT NULL UNIQUE,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    at          INTEGER NOT NULL,
    cancelled   INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX activity_costs_at ON activity_costs(at);

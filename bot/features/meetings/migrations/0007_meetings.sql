-- Cross-department meetings: booked events with their attendees, the slots last proposed
-- to each organiser (for `book N`), busy times imported from people's calendars, and
-- recurring joint meetings with their agenda items and minutes. Times are UTC
-- milliseconds.

CREATE TABLE meeting_series (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    rrule         TEXT NOT NULL,             -- RFC 5545 RRULE value, e.g. FREQ=MONTHLY;BYDAY=2TU
    spec          TEXT NOT NULL,             -- as the organiser wrote it, e.g. 2nd tuesday
    local_minute  INTEGER NOT NULL,          -- start, minutes after local midnight
    zone          TEXT NOT NULL,             -- IANA zone the rule is read in
    duration_min  INTEGER NOT NULL,
    organizer_id  INTEGER NOT NULL REFERENCES people(id),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,      -- iCalendar UID
    title         TEXT NOT NULL,
    organizer_id  INTEGER NOT NULL REFERENCES people(id),
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    series_id     INTEGER REFERENCES meeting_series(id),
    sequence      INTEGER NOT NULL DEFAULT 0,  -- iCalendar SEQUENCE, raised on change
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (series_id, start_at)
);
CREATE INDEX meetings_start ON meetings(start_at);

CREATE TABLE meeting_attendees (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    required    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (meeting_id, person_id)
) WITHOUT ROWID;
CREATE INDEX meeting_attendees_person ON meeting_attendees(person_id);

-- The last `meet` answer of each organiser: what `book N` books.
CREATE TABLE meeting_proposals (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id),
    proposal    TEXT NOT NULL,               -- JSON: title, attendees, slots
    created_at  INTEGER NOT NULL
);

-- Busy times from a person's imported calendar; replaced by each import of the same source.
CREATE TABLE busy_blocks (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    source     TEXT NOT NULL,                -- the file name or URL imported
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    summary    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX busy_blocks_person ON busy_blocks(person_id, start_at);

CREATE TABLE meeting_agenda_items (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX meeting_agenda_items_meeting ON meeting_agenda_items(meeting_id);

CREATE TABLE meeting_minutes (
    meeting_id   INTEGER PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    decisions    TEXT NOT NULL,
    actions      TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES people(id),
    recorded_at  INTEGER NOT NULL
);

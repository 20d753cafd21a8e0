-- Announcements: one key message with a marketing and a sales variant, approved by the
-- managers of both departments before it is posted. Times are UTC milliseconds.

CREATE TABLE announcements (
    id              INTEGER PRIMARY KEY,
    author_id       INTEGER NOT NULL REFERENCES people(id),
    lead            TEXT NOT NULL CHECK (lead IN ('marketing', 'sales')),
    key_message     TEXT NOT NULL,
    campaign        TEXT NOT NULL DEFAULT '',
    marketing_text  TEXT NOT NULL,
    sales_text      TEXT NOT NULL,
    locale          TEXT NOT NULL DEFAULT 'en',    -- the variants' language
    post_at         INTEGER,                       -- NULL: as soon as both approved
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'scheduled', 'posted', 'blocked')),
    version         INTEGER NOT NULL DEFAULT 1,    -- bumped by every edit
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    posted_at       INTEGER
);
CREATE INDEX announcements_created ON announcements(created_at);

-- The current decision of each department on the current version; cleared by an edit.
CREATE TABLE announcement_decisions (
    announcement_id  INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    department       TEXT NOT NULL CHECK (department IN ('marketing', 'sales')),
    person_id        INTEGER NOT NULL REFERENCES people(id),
    decision         TEXT NOT NULL CHECK (decision IN ('approved', 'changes')),
    note             TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL,
    decided_at       INTEGER NOT NULL,
    PRIMARY KEY (announcement_id, department)
) WITHOUT ROWID;

-- Everything that happened to an announcement, oldest first; never deleted.
CREATE TABLE announcement_history (
    id               INTEGER PRIMARY KEY,
    announcement_id  INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    person_id        INTEGER REFERENCES people(id),
    action           TEXT NOT NULL,   -- drafted, edited, approved, changes, reset, scheduled,
                                      -- posted, blocked
    detail           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX announcement_history_of ON announcement_history(announcement_id, id);

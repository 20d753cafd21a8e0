-- Field reports and competitive intelligence: reports with every version of their text,
-- the facts extracted from the latest version, and report pauses. Times are UTC
-- milliseconds.

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    author_id      INTEGER NOT NULL REFERENCES people(id),
    customer_text  TEXT NOT NULL DEFAULT '',   -- the customer's name, or as written if unknown
    customer_id    INTEGER REFERENCES customers(id),
    engagement_id  INTEGER REFERENCES engagements(id),
    source         TEXT NOT NULL DEFAULT 'line' CHECK (source IN ('line', 'dialog')),
    version        INTEGER NOT NULL DEFAULT 1,  -- the latest version
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX reports_created ON reports(created_at);
CREATE INDEX reports_author ON reports(author_id, created_at);
CREATE INDEX reports_customer ON reports(customer_id, created_at);

CREATE TABLE report_versions (
    report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    answers     TEXT NOT NULL DEFAULT '{}',  -- JSON: the dialog's answers by question
    edited_by   INTEGER REFERENCES people(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (report_id, version)
) WITHOUT ROWID;

-- What the latest version says; replaced on every edit.
CREATE TABLE report_mentions (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL
                 CHECK (kind IN ('customer', 'competitor', 'price', 'need', 'help')),
    value        TEXT NOT NULL,    -- canonical name, need, price as text, help item
    value_key    TEXT NOT NULL,    -- lower-cased value, for lookups
    matched      TEXT NOT NULL DEFAULT '',  -- the words written
    customer_id  INTEGER REFERENCES customers(id),
    amount       REAL,             -- price signals: signed value
    unit         TEXT              -- price signals: %, CNY, USD
);
CREATE INDEX report_mentions_report ON report_mentions(report_id);
CREATE INDEX report_mentions_value ON report_mentions(kind, value_key);

CREATE TABLE report_pauses (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id),
    until_date  TEXT NOT NULL,     -- YYYY-MM-DD in the person's zone, as given
    until_at    INTEGER NOT NULL,  -- the end of that day in the person's zone
    created_at  INTEGER NOT NULL
);

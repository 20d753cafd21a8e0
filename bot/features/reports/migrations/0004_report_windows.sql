-- Field report digests: one per department window occurrence (its key), and which
-- version of which report each one covered, so that a report edited after its digest
-- went out is noted in the next one. Times are UTC milliseconds.

CREATE TABLE report_digests (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,    -- department and the window's opening date
    department    TEXT NOT NULL,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    sent_at       INTEGER NOT NULL
);

CREATE TABLE report_digest_items (
    digest_id  INTEGER NOT NULL REFERENCES report_digests(id) ON DELETE CASCADE,
    report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,           -- the version the digest showed
    PRIMARY KEY (digest_id, report_id)
) WITHOUT ROWID;
CREATE INDEX report_digest_items_report ON report_digest_items(report_id, version);

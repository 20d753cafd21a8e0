-- Rules and disagreements (规约, 以理服人): cooperation rules as data, agreed by the
-- managers of both departments and versioned; disagreements opened with facts, the
-- departments' positions, and the decision with its owner and due date.

-- One row per agreed version of the rule set. Version 1 comes from rules.notes of the
-- configuration (proposal_id NULL); every later one from an approved proposal.
CREATE TABLE rule_versions (
    version     INTEGER PRIMARY KEY,
    proposal_id INTEGER,
    agreed_at   INTEGER NOT NULL
);

-- A rule by its number, shown in `rules`; it belongs to the versions from added_in up to
-- (not including) retired_in.
CREATE TABLE rule_items (
    number      INTEGER PRIMARY KEY,
    added_in    INTEGER NOT NULL REFERENCES rule_versions(version),
    retired_in  INTEGER REFERENCES rule_versions(version),
    proposal_id INTEGER
);

-- A rule's wording per language (a seeded note has one per configured locale, a proposed
-- rule the language it was written in).
CREATE TABLE rule_texts (
    number INTEGER NOT NULL REFERENCES rule_items(number),
    locale TEXT NOT NULL,
    text   TEXT NOT NULL,
    PRIMARY KEY (number, locale)
);

-- A proposed rule (new, or replacing rule `replaces`), open until both departments'
-- managers approved it (it then made `version`) or one rejected it.
CREATE TABLE rule_proposals (
    id              INTEGER PRIMARY KEY,
    text            TEXT NOT NULL,
    locale          TEXT NOT NULL,
    replaces        INTEGER,
    proposed_by     INTEGER NOT NULL REFERENCES people(id),
    proposed_at     INTEGER NOT NULL,
    disagreement_id INTEGER,
    status          TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
    closed_at       INTEGER,
    version         INTEGER
);

-- One decision per department and proposal.
CREATE TABLE rule_approvals (
    proposal_id INTEGER NOT NULL REFERENCES rule_proposals(id),
    department  TEXT NOT NULL CHECK (department IN ('marketing', 'sales')),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    decision    TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    note        TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, department)
);

-- A disagreement: its title and facts as written, the customers and period it names, the
-- facts the bot found then (JSON), the joint meeting whose agenda holds it (meetings own
-- that table: no foreign key), and the decision once taken.
CREATE TABLE disagreements (
    id               INTEGER PRIMARY KEY,
    title            TEXT NOT NULL,
    facts            TEXT NOT NULL,
    locale           TEXT NOT NULL,
    raised_by        INTEGER NOT NULL REFERENCES people(id),
    raised_at        INTEGER NOT NULL,
    period_from      INTEGER NOT NULL,
    period_to        INTEGER NOT NULL,
    found            TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('open', 'decided')),
    meeting_id       INTEGER,
    meeting_at       INTEGER,
    decision         TEXT,
    owner_id         INTEGER REFERENCES people(id),
    due_date         TEXT,
    due_at           INTEGER,
    decided_by       INTEGER REFERENCES people(id),
    decided_at       INTEGER,
    rule_proposal_id INTEGER REFERENCES rule_proposals(id),
    done_at          INTEGER,
    overdue_told_at  INTEGER
);
CREATE INDEX disagreements_by_status ON disagreements(status);

-- Each department's position on a disagreement (the latest one given).
CREATE TABLE disagreement_positions (
    disagreement_id INTEGER NOT NULL REFERENCES disagreements(id),
    department      TEXT NOT NULL CHECK (department IN ('marketing', 'sales')),
    person_id       INTEGER NOT NULL REFERENCES people(id),
    position        TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (disagreement_id, department)
);

-- The sales kit: what marketing equips sales with (case studies, battlecards, price sheets,
-- brochures, ads). An item is a link (http/https) or a file kept here (Base64 text, the
-- type and size checked before), tagged with industries, competitors, needs and stages.
CREATE TABLE kit_items (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    lang       TEXT NOT NULL CHECK (lang IN ('en', 'zh-CN')),
    url        TEXT,
    file_name  TEXT,
    file_mime  TEXT,
    file_size  INTEGER,
    file_data  TEXT,
    added_by   INTEGER NOT NULL REFERENCES people(id),
    added_at   INTEGER NOT NULL,
    CHECK (url IS NOT NULL OR file_data IS NOT NULL)
);

-- Tags in lower case, as typed (an industry, a competitor, a need, a funnel stage).
CREATE TABLE kit_tags (
    item_id INTEGER NOT NULL REFERENCES kit_items(id),
    tag     TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
);
CREATE INDEX kit_tags_by_tag ON kit_tags(tag);

-- "Useful": once per person and item.
CREATE TABLE kit_useful (
    item_id   INTEGER NOT NULL REFERENCES kit_items(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    at        INTEGER NOT NULL,
    PRIMARY KEY (item_id, person_id)
);

-- Every need a field report named, and the kit item offered for it (NULL: none), for the
-- share of needs the kit covers. report_id is not a foreign key: old reports are deleted
-- by retention while these counts stay.
CREATE TABLE kit_needs (
    id        INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL,
    need_key  TEXT NOT NULL,
    item_id   INTEGER REFERENCES kit_items(id),
    at        INTEGER NOT NULL
);
CREATE INDEX kit_needs_by_at ON kit_needs(at);

-- Marketing's gaps: needs reports asked for that no item covered, counted per report;
-- closed when an item with a matching tag is added.
CREATE TABLE kit_gaps (
    id          INTEGER PRIMARY KEY,
    need_key    TEXT NOT NULL UNIQUE,
    need        TEXT NOT NULL,
    asked       INTEGER NOT NULL,
    first_asked INTEGER NOT NULL,
    last_asked  INTEGER NOT NULL,
    closed_at   INTEGER,
    closed_by   INTEGER REFERENCES kit_items(id)
);

-- Operations: proof for `link CONNECTOR USER`, erasing a person, retention.

-- A one-time code sent to a platform identity someone claims; the link is made when the
-- claimer sends it back before expires_at. Only a salted SHA-256 of the code is kept.
CREATE TABLE link_codes (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    connector   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    salt        TEXT NOT NULL,
    code_hash   TEXT NOT NULL,       -- hex SHA-256 of salt || code
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,   -- wrong codes sent while it was pending
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'used', 'void')),
    finished_at INTEGER
);
CREATE INDEX link_codes_person ON link_codes(person_id, created_at);

-- `twintrack person erase`: the row stays (deal amounts, quotas and meeting counts still
-- add up under it) with nothing that names the person; the directory leaves it out.
ALTER TABLE people ADD COLUMN erased_at INTEGER;

-- The daily retention job deletes channel messages by age alone.
CREATE INDEX channel_messages_at ON channel_messages(at);

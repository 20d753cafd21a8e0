-- Thanks (感谢) between colleagues, above all between marketing and sales: who thanked
-- whom, for what, when (UTC ms). Owned by the thanks feature (bot/features/thanks/).
CREATE TABLE thanks (
    id         INTEGER PRIMARY KEY,
    from_id    INTEGER NOT NULL REFERENCES people(id),
    to_id      INTEGER NOT NULL REFERENCES people(id),
    note       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX thanks_by_time ON thanks (created_at);

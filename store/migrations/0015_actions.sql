-- Buttons and menus on posts (docs/ARCHITECTURE.md, "Actions").
-- Small settings of the program itself, e.g. the key that signs action tokens (32 random
-- bytes as hex, made at first start). Never exported, never logged.
CREATE TABLE bot_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- A post that offers actions. Its tokens name it; `subject` says what it decides
-- (e.g. "announcement:7:marketing"), so the decision, clicked or typed, settles every
-- open post about it. `choices` is JSON: [{command, args, ask?, label}].
CREATE TABLE action_posts (
    id          INTEGER PRIMARY KEY,
    subject     TEXT NOT NULL,
    connector   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    thread      TEXT NOT NULL DEFAULT '',
    locale      TEXT NOT NULL,
    timezone    TEXT NOT NULL,   -- the reader's zone, for the outcome line
    text        TEXT NOT NULL,   -- the post's text, kept above the outcome line
    choices     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
    outcome     TEXT NOT NULL DEFAULT '',
    settled_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    settled_at  INTEGER
);
CREATE INDEX action_posts_open ON action_posts (subject) WHERE status = 'open';

-- An outbox post's actions as JSON: {"actions":[...],"text":"typed fallback",
-- "replaces":"platform id"}; empty for plain posts.
ALTER TABLE outbox ADD COLUMN actions TEXT NOT NULL DEFAULT '';
